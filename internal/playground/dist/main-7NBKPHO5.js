import{A as Re,B as q,K as Ue,O as z,Q as Pe,R as K,S as $,T as de,U as me,Z as je,a as se,aa as Ge,b as M,ba as Fe,ca as D,d as Be,da as Je,e as Le,f as h,g as le,h as Ee,i as De,j as We,k as ae,l as ce,m as J,n as He,o as Me,q as V,t as Oe,u as A,v as ue,w as Te,x as Ie,y as Ne,z as $e}from"./c-FLJG2W7J.js";var zt=e=>{let{state:t}=e,n=t.doc.lineAt(t.selection.main.from),r=Se(e.state,n.from);return r.line?Kt(e):r.block?Yt(e):!1};function ke(e,t){return({state:n,dispatch:r})=>{if(n.readOnly)return!1;let o=e(t,n);return o?(r(n.update(o)),!0):!1}}var Kt=ke(Zt,0);var _t=ke(Ze,0);var Yt=ke((e,t)=>Ze(e,t,Xt(t)),0);function Se(e,t){let n=e.languageDataAt("commentTokens",t,1);return n.length?n[0]:{}}var R=50;function Qt(e,{open:t,close:n},r,o){let i=e.sliceDoc(r-R,r),s=e.sliceDoc(o,o+R),l=/\s*$/.exec(i)[0].length,a=/^\s*/.exec(s)[0].length,m=i.length-l;if(i.slice(m-t.length,m)==t&&s.slice(a,a+n.length)==n)return{open:{pos:r-l,margin:l&&1},close:{pos:o+a,margin:a&&1}};let u,p;o-r<=2*R?u=p=e.sliceDoc(r,o):(u=e.sliceDoc(r,r+R),p=e.sliceDoc(o-R,o));let v=/^\s*/.exec(u)[0].length,F=/\s*$/.exec(p)[0].length,N=p.length-F-n.length;return u.slice(v,v+t.length)==t&&p.slice(N,N+n.length)==n?{open:{pos:r+v+t.length,margin:/\s/.test(u.charAt(v+t.length))?1:0},close:{pos:o-F-n.length,margin:/\s/.test(p.charAt(N-1))?1:0}}:null}function Xt(e){let t=[];for(let n of e.selection.ranges){let r=e.doc.lineAt(n.from),o=n.to<=r.to?r:e.doc.lineAt(n.to);o.from>r.from&&o.from==n.to&&(o=n.to==r.to+1?r:e.doc.lineAt(n.to-1));let i=t.length-1;i>=0&&t[i].to>r.from?t[i].to=o.to:t.push({from:r.from+/^\s*/.exec(r.text)[0].length,to:o.to})}return t}function Ze(e,t,n=t.selection.ranges){let r=n.map(i=>Se(t,i.from).block);if(!r.every(i=>i))return null;let o=n.map((i,s)=>Qt(t,r[s],i.from,i.to));if(e!=2&&!o.every(i=>i))return{changes:t.changes(n.map((i,s)=>o[s]?[]:[{from:i.from,insert:r[s].open+" "},{from:i.to,insert:" "+r[s].close}]))};if(e!=1&&o.some(i=>i)){let i=[];for(let s=0,l;s<o.length;s++)if(l=o[s]){let a=r[s],{open:m,close:u}=l;i.push({from:m.pos-a.open.length,to:m.pos+m.margin},{from:u.pos-u.margin,to:u.pos+a.close.length})}return{changes:i}}return null}function Zt(e,t,n=t.selection.ranges){let r=[],o=-1;e:for(let{from:i,to:s}of n){let l=r.length,a=1e9,m;for(let u=i;u<=s;){let p=t.doc.lineAt(u);if(m==null&&(m=Se(t,p.from).line,!m))continue e;if(p.from>o&&(i==s||s>p.from)){o=p.from;let v=/^\s*/.exec(p.text)[0].length,F=v==p.length,N=p.text.slice(v,v+m.length)==m?v:-1;v<p.text.length&&v<a&&(a=v),r.push({line:p,comment:N,token:m,indent:v,empty:F,single:!1})}u=p.to+1}if(a<1e9)for(let u=l;u<r.length;u++)r[u].indent<r[u].line.text.length&&(r[u].indent=a);r.length==l+1&&(r[l].single=!0)}if(e!=2&&r.some(i=>i.comment<0&&(!i.empty||i.single))){let i=[];for(let{line:l,token:a,indent:m,empty:u,single:p}of r)(p||!u)&&i.push({from:l.from+m,insert:a+" "});let s=t.changes(i);return{changes:s,selection:t.selection.map(s,1)}}else if(e!=1&&r.some(i=>i.comment>=0)){let i=[];for(let{line:s,comment:l,token:a}of r)if(l>=0){let m=s.from+l,u=m+a.length;s.text[u-s.from]==" "&&u++,i.push({from:m,to:u})}return{changes:i}}return null}var he=ae.define(),en=ae.define(),tn=le.define(),et=le.define({combine(e){return Me(e,{minDepth:100,newGroupDelay:500,joinToEvent:(t,n)=>n},{minDepth:Math.max,newGroupDelay:Math.min,joinToEvent:(t,n)=>(r,o)=>t(r,o)||n(r,o)})}}),tt=Ee.define({create(){return W.empty},update(e,t){let n=t.state.facet(et),r=t.annotation(he);if(r){let a=w.fromTransaction(t,r.selection),m=r.side,u=m==0?e.undone:e.done;return a?u=Y(u,u.length,n.minDepth,a):u=it(u,t.startState.selection),new W(m==0?r.rest:u,m==0?u:r.rest)}let o=t.annotation(en);if((o=="full"||o=="before")&&(e=e.isolate()),t.annotation(J.addToHistory)===!1)return t.changes.empty?e:e.addMapping(t.changes.desc);let i=w.fromTransaction(t),s=t.annotation(J.time),l=t.annotation(J.userEvent);return i?e=e.addChanges(i,s,l,n,t):t.selection&&(e=e.addSelection(t.startState.selection,s,l,n.newGroupDelay)),(o=="full"||o=="after")&&(e=e.isolate()),e},toJSON(e){return{done:e.done.map(t=>t.toJSON()),undone:e.undone.map(t=>t.toJSON())}},fromJSON(e){return new W(e.done.map(w.fromJSON),e.undone.map(w.fromJSON))}});function nt(e={}){return[tt,et.of(e),A.domEventHandlers({beforeinput(t,n){let r=t.inputType=="historyUndo"?rt:t.inputType=="historyRedo"?pe:null;return r?(t.preventDefault(),r(n)):!1}})]}function Q(e,t){return function({state:n,dispatch:r}){if(!t&&n.readOnly)return!1;let o=n.field(tt,!1);if(!o)return!1;let i=o.pop(e,n,t);return i?(r(i),!0):!1}}var rt=Q(0,!1),pe=Q(1,!1),nn=Q(0,!0),rn=Q(1,!0);var w=class e{constructor(t,n,r,o,i){this.changes=t,this.effects=n,this.mapped=r,this.startSelection=o,this.selectionsAfter=i}setSelAfter(t){return new e(this.changes,this.effects,this.mapped,this.startSelection,t)}toJSON(){var t,n,r;return{changes:(t=this.changes)===null||t===void 0?void 0:t.toJSON(),mapped:(n=this.mapped)===null||n===void 0?void 0:n.toJSON(),startSelection:(r=this.startSelection)===null||r===void 0?void 0:r.toJSON(),selectionsAfter:this.selectionsAfter.map(o=>o.toJSON())}}static fromJSON(t){return new e(t.changes&&Le.fromJSON(t.changes),[],t.mapped&&Be.fromJSON(t.mapped),t.startSelection&&h.fromJSON(t.startSelection),t.selectionsAfter.map(h.fromJSON))}static fromTransaction(t,n){let r=x;for(let o of t.startState.facet(tn)){let i=o(t);i.length&&(r=r.concat(i))}return!r.length&&t.changes.empty?null:new e(t.changes.invert(t.startState.doc),r,void 0,n||t.startState.selection,x)}static selection(t){return new e(void 0,x,void 0,void 0,t)}};function Y(e,t,n,r){let o=t+1>n+20?t-n-1:0,i=e.slice(o,t);return i.push(r),i}function on(e,t){let n=[],r=!1;return e.iterChangedRanges((o,i)=>n.push(o,i)),t.iterChangedRanges((o,i,s,l)=>{for(let a=0;a<n.length;){let m=n[a++],u=n[a++];l>=m&&s<=u&&(r=!0)}}),r}function sn(e,t){return e.ranges.length==t.ranges.length&&e.ranges.filter((n,r)=>n.empty!=t.ranges[r].empty).length===0}function ot(e,t){return e.length?t.length?e.concat(t):e:t}var x=[],ln=200;function it(e,t){if(e.length){let n=e[e.length-1],r=n.selectionsAfter.slice(Math.max(0,n.selectionsAfter.length-ln));return r.length&&r[r.length-1].eq(t)?e:(r.push(t),Y(e,e.length-1,1e9,n.setSelAfter(r)))}else return[w.selection([t])]}function an(e){let t=e[e.length-1],n=e.slice();return n[e.length-1]=t.setSelAfter(t.selectionsAfter.slice(0,t.selectionsAfter.length-1)),n}function fe(e,t){if(!e.length)return e;let n=e.length,r=x;for(;n;){let o=cn(e[n-1],t,r);if(o.changes&&!o.changes.empty||o.effects.length){let i=e.slice(0,n);return i[n-1]=o,i}else t=o.mapped,n--,r=o.selectionsAfter}return r.length?[w.selection(r)]:x}function cn(e,t,n){let r=ot(e.selectionsAfter.length?e.selectionsAfter.map(l=>l.map(t)):x,n);if(!e.changes)return w.selection(r);let o=e.changes.map(t),i=t.mapDesc(e.changes,!0),s=e.mapped?e.mapped.composeDesc(i):i;return new w(o,ce.mapEffects(e.effects,t),s,e.startSelection.map(i),r)}var un=/^(input\.type|delete)($|\.)/,W=class e{constructor(t,n,r=0,o=void 0){this.done=t,this.undone=n,this.prevTime=r,this.prevUserEvent=o}isolate(){return this.prevTime?new e(this.done,this.undone):this}addChanges(t,n,r,o,i){let s=this.done,l=s[s.length-1];return l&&l.changes&&!l.changes.empty&&t.changes&&(!r||un.test(r))&&(!l.selectionsAfter.length&&n-this.prevTime<o.newGroupDelay&&o.joinToEvent(i,on(l.changes,t.changes))||r=="input.type.compose")?s=Y(s,s.length-1,o.minDepth,new w(t.changes.compose(l.changes),ot(ce.mapEffects(t.effects,l.changes),l.effects),l.mapped,l.startSelection,x)):s=Y(s,s.length,o.minDepth,t),new e(s,x,n,r)}addSelection(t,n,r,o){let i=this.done.length?this.done[this.done.length-1].selectionsAfter:x;return i.length>0&&n-this.prevTime<o&&r==this.prevUserEvent&&r&&/^select($|\.)/.test(r)&&sn(i[i.length-1],t)?this:new e(it(this.done,t),this.undone,n,r)}addMapping(t){return new e(fe(this.done,t),fe(this.undone,t),this.prevTime,this.prevUserEvent)}pop(t,n,r){let o=t==0?this.done:this.undone;if(o.length==0)return null;let i=o[o.length-1],s=i.selectionsAfter[0]||(i.startSelection?i.startSelection.map(i.changes.invertedDesc,1):n.selection);if(r&&i.selectionsAfter.length)return n.update({selection:i.selectionsAfter[i.selectionsAfter.length-1],annotations:he.of({side:t,rest:an(o),selection:s}),userEvent:t==0?"select.undo":"select.redo",scrollIntoView:!0});if(i.changes){let l=o.length==1?x:o.slice(0,o.length-1);return i.mapped&&(l=fe(l,i.mapped)),n.update({changes:i.changes,selection:i.startSelection,effects:i.effects,annotations:he.of({side:t,rest:l,selection:s}),filter:!1,userEvent:t==0?"undo":"redo",scrollIntoView:!0})}else return null}};W.empty=new W(x,x);var st=[{key:"Mod-z",run:rt,preventDefault:!0},{key:"Mod-y",mac:"Mod-Shift-z",run:pe,preventDefault:!0},{linux:"Ctrl-Shift-z",run:pe,preventDefault:!0},{key:"Mod-u",run:nn,preventDefault:!0},{key:"Alt-u",mac:"Mod-Shift-u",run:rn,preventDefault:!0}];function O(e,t){return h.create(e.ranges.map(t),e.mainIndex)}function B(e,t){return e.update({selection:t,scrollIntoView:!0,userEvent:"select"})}function L({state:e,dispatch:t},n){let r=O(e.selection,n);return r.eq(e.selection,!0)?!1:(t(B(e,r)),!0)}function X(e,t){return h.cursor(t?e.to:e.from)}function lt(e,t){return L(e,n=>n.empty?e.moveByChar(n,t):X(n,t))}function k(e){return e.textDirectionAt(e.state.selection.main.head)==Oe.LTR}var at=e=>lt(e,!k(e)),ct=e=>lt(e,k(e));function ut(e,t){return L(e,n=>n.empty?e.moveByGroup(n,t):X(n,t))}var dn=e=>ut(e,!k(e)),mn=e=>ut(e,k(e));var Br=typeof Intl<"u"&&Intl.Segmenter?new Intl.Segmenter(void 0,{granularity:"word"}):null;function fn(e,t,n){if(t.type.prop(n))return!0;let r=t.to-t.from;return r&&(r>2||/[^\s,.;:]/.test(e.sliceDoc(t.from,t.to)))||t.firstChild}function Z(e,t,n){let r=z(e).resolveInner(t.head),o=n?q.closedBy:q.openedBy;for(let a=t.head;;){let m=n?r.childAfter(a):r.childBefore(a);if(!m)break;fn(e,m,o)?r=m:a=n?m.to:m.from}let i=r.type.prop(o),s,l;return i&&(s=n?D(e,r.from,1):D(e,r.to,-1))&&s.matched?l=n?s.end.to:s.end.from:l=n?r.to:r.from,h.cursor(l,n?-1:1)}var hn=e=>L(e,t=>Z(e.state,t,!k(e))),pn=e=>L(e,t=>Z(e.state,t,k(e)));function dt(e,t){return L(e,n=>{if(!n.empty)return X(n,t);let r=e.moveVertically(n,t);return r.head!=n.head?r:e.moveToLineBoundary(n,t)})}var mt=e=>dt(e,!1),ft=e=>dt(e,!0);function ht(e){let t=e.scrollDOM.clientHeight<e.scrollDOM.scrollHeight-2,n=0,r=0,o;if(t){for(let i of e.state.facet(A.scrollMargins)){let s=i(e);s!=null&&s.top&&(n=Math.max(s==null?void 0:s.top,n)),s!=null&&s.bottom&&(r=Math.max(s==null?void 0:s.bottom,r))}o=e.scrollDOM.clientHeight-n-r}else o=(e.dom.ownerDocument.defaultView||window).innerHeight;return{marginTop:n,marginBottom:r,selfScroll:t,height:Math.max(e.defaultLineHeight,o-5)}}function pt(e,t){let n=ht(e),{state:r}=e,o=O(r.selection,s=>s.empty?e.moveVertically(s,t,n.height):X(s,t));if(o.eq(r.selection))return!1;let i;if(n.selfScroll){let s=e.coordsAtPos(r.selection.main.head),l=e.scrollDOM.getBoundingClientRect(),a=l.top+n.marginTop,m=l.bottom-n.marginBottom;s&&s.top>a&&s.bottom<m&&(i=A.scrollIntoView(o.main.head,{y:"start",yMargin:s.top-a}))}return e.dispatch(B(r,o),{effects:i}),!0}var Ve=e=>pt(e,!1),ge=e=>pt(e,!0);function E(e,t,n){let r=e.lineBlockAt(t.head),o=e.moveToLineBoundary(t,n);if(o.head==t.head&&o.head!=(n?r.to:r.from)&&(o=e.moveToLineBoundary(t,n,!1)),!n&&o.head==r.from&&r.length){let i=/^\s*/.exec(e.state.sliceDoc(r.from,Math.min(r.from+100,r.to)))[0].length;i&&t.head!=r.from+i&&(o=h.cursor(r.from+i))}return o}var gn=e=>L(e,t=>E(e,t,!0)),yn=e=>L(e,t=>E(e,t,!1)),kn=e=>L(e,t=>E(e,t,!k(e))),Sn=e=>L(e,t=>E(e,t,k(e))),vn=e=>L(e,t=>e.moveToLineBoundary(t,!1,!1)),bn=e=>L(e,t=>e.moveToLineBoundary(t,!0,!1));function xn(e,t,n){let r=!1,o=O(e.selection,i=>{let s=D(e,i.head,-1)||D(e,i.head,1)||i.head>0&&D(e,i.head-1,1)||i.head<e.doc.length&&D(e,i.head+1,-1);if(!s||!s.end)return i;r=!0;let l=s.start.from==i.head?s.end.to:s.end.from;return n?h.range(i.anchor,l):h.cursor(l)});return r?(t(B(e,o)),!0):!1}var Cn=({state:e,dispatch:t})=>xn(e,t,!1);function C(e,t,n){let r=O(e.state.selection,o=>{o.undirectional&&o.head>=o.anchor!=t&&(o=h.range(o.head,o.anchor));let i=n(o);return h.range(o.anchor,i.head,i.goalColumn,i.bidiLevel||void 0,i.assoc)});return r.eq(e.state.selection)?!1:(e.dispatch(B(e.state,r)),!0)}function gt(e,t){return C(e,t,n=>e.moveByChar(n,t))}var yt=e=>gt(e,!k(e)),kt=e=>gt(e,k(e));function St(e,t){return C(e,t,n=>e.moveByGroup(n,t))}var An=e=>St(e,!k(e)),wn=e=>St(e,k(e));var Bn=e=>{let t=!k(e);return C(e,t,n=>Z(e.state,n,t))},Ln=e=>{let t=k(e);return C(e,t,n=>Z(e.state,n,t))};function vt(e,t){return C(e,t,n=>e.moveVertically(n,t))}var bt=e=>vt(e,!1),xt=e=>vt(e,!0);function Ct(e,t){return C(e,t,n=>e.moveVertically(n,t,ht(e).height))}var qe=e=>Ct(e,!1),ze=e=>Ct(e,!0),En=e=>C(e,!0,t=>E(e,t,!0)),Dn=e=>C(e,!1,t=>E(e,t,!1)),Wn=e=>{let t=!k(e);return C(e,t,n=>E(e,n,t))},Hn=e=>{let t=k(e);return C(e,t,n=>E(e,n,t))},Mn=e=>C(e,!1,t=>h.cursor(e.lineBlockAt(t.head).from)),On=e=>C(e,!0,t=>h.cursor(e.lineBlockAt(t.head).to)),Ke=({state:e,dispatch:t})=>(t(B(e,{anchor:0})),!0),_e=({state:e,dispatch:t})=>(t(B(e,{anchor:e.doc.length})),!0),Ye=({state:e,dispatch:t})=>(t(B(e,{anchor:e.selection.main.anchor,head:0})),!0),Qe=({state:e,dispatch:t})=>(t(B(e,{anchor:e.selection.main.anchor,head:e.doc.length})),!0),Tn=({state:e,dispatch:t})=>(t(e.update({selection:{anchor:0,head:e.doc.length},userEvent:"select"})),!0),In=({state:e,dispatch:t})=>{let n=ee(e).map(({from:r,to:o})=>h.undirectionalRange(r,Math.min(o+1,e.doc.length)));return t(e.update({selection:h.create(n),userEvent:"select"})),!0},Nn=({state:e,dispatch:t})=>{let n=O(e.selection,r=>{let o=z(e),i=o.resolveStack(r.from,1);if(r.empty){let s=o.resolveStack(r.from,-1);s.node.from>=i.node.from&&s.node.to<=i.node.to&&(i=s)}for(let s=i;s;s=s.next){let{node:l}=s;if((l.from<r.from&&l.to>=r.to||l.to>r.to&&l.from<=r.from)&&s.next)return h.undirectionalRange(l.from,l.to)}return r});return n.eq(e.selection)?!1:(t(B(e,n)),!0)};function At(e,t){let{state:n}=e,r=n.selection,o=n.selection.ranges.slice();for(let i of n.selection.ranges){let s=n.doc.lineAt(i.head);if(t?s.to<e.state.doc.length:s.from>0)for(let l=i;;){let a=e.moveVertically(l,t);if(a.head<s.from||a.head>s.to){o.some(m=>m.head==a.head)||o.push(a);break}else{if(a.head==l.head)break;l=a}}}return o.length==r.ranges.length?!1:(e.dispatch(B(n,h.create(o,o.length-1))),!0)}var $n=e=>At(e,!1),Rn=e=>At(e,!0),Un=({state:e,dispatch:t})=>{let n=e.selection,r=null;return n.ranges.length>1?r=h.create([n.main]):n.main.empty||(r=h.create([h.cursor(n.main.head)])),r?(t(B(e,r)),!0):!1};function U(e,t){if(e.state.readOnly)return!1;let n="delete.selection",{state:r}=e,o=r.changeByRange(i=>{let{from:s,to:l}=i;if(s==l){let a=t(i);a<s?(n="delete.backward",a=_(e,a,!1)):a>s&&(n="delete.forward",a=_(e,a,!0)),s=Math.min(s,a),l=Math.max(l,a)}else s=_(e,s,!1),l=_(e,l,!0);return s==l?{range:i}:{changes:{from:s,to:l},range:h.cursor(s,s<i.head?-1:1)}});return o.changes.empty?!1:(e.dispatch(r.update(o,{scrollIntoView:!0,userEvent:n,effects:n=="delete.selection"?A.announce.of(r.phrase("Selection deleted")):void 0})),!0)}function _(e,t,n){if(e instanceof A)for(let r of e.state.facet(A.atomicRanges).map(o=>o(e)))r.between(t,t,(o,i)=>{o<t&&i>t&&(t=n?i:o)});return t}var wt=(e,t,n)=>U(e,r=>{let o=r.from,{state:i}=e,s=i.doc.lineAt(o),l,a;if(n&&!t&&o>s.from&&o<s.from+200&&!/[^ \t]/.test(l=s.text.slice(0,o-s.from))){if(l[l.length-1]=="	")return o-1;let m=V(l,i.tabSize),u=m%K(i)||K(i);for(let p=0;p<u&&l[l.length-1-p]==" ";p++)o--;a=o}else a=M(s.text,o-s.from,t,t)+s.from,a==o&&s.number!=(t?i.doc.lines:1)?a+=t?1:-1:!t&&/[\ufe00-\ufe0f]/.test(s.text.slice(a-s.from,o-s.from))&&(a=M(s.text,a-s.from,!1,!1)+s.from);return a}),ye=e=>wt(e,!1,!0);var Bt=e=>wt(e,!0,!1),Lt=(e,t)=>U(e,n=>{let r=n.head,{state:o}=e,i=o.doc.lineAt(r),s=o.charCategorizer(r);for(let l=null;;){if(r==(t?i.to:i.from)){r==n.head&&i.number!=(t?o.doc.lines:1)&&(r+=t?1:-1);break}let a=M(i.text,r-i.from,t)+i.from,m=i.text.slice(Math.min(r,a)-i.from,Math.max(r,a)-i.from),u=s(m);if(l!=null&&u!=l)break;(m!=" "||r!=n.head)&&(l=u),r=a}return r}),Et=e=>Lt(e,!1),Pn=e=>Lt(e,!0);var jn=e=>U(e,t=>{let n=e.lineBlockAt(t.head).to;return t.head<n?n:Math.min(e.state.doc.length,t.head+1)});var Gn=e=>U(e,t=>{let n=e.moveToLineBoundary(t,!1).head;return t.head>n?n:Math.max(0,t.head-1)}),Fn=e=>U(e,t=>{let n=e.moveToLineBoundary(t,!0).head;return t.head<n?n:Math.min(e.state.doc.length,t.head+1)});var Jn=({state:e,dispatch:t})=>{if(e.readOnly)return!1;let n=e.changeByRange(r=>({changes:{from:r.from,to:r.to,insert:se.of(["",""])},range:h.cursor(r.from)}));return t(e.update(n,{scrollIntoView:!0,userEvent:"input"})),!0},Vn=({state:e,dispatch:t})=>{if(e.readOnly)return!1;let n=e.changeByRange(r=>{if(!r.empty||r.from==0||r.from==e.doc.length)return{range:r};let o=r.from,i=e.doc.lineAt(o),s=o==i.from?o-1:M(i.text,o-i.from,!1)+i.from,l=o==i.to?o+1:M(i.text,o-i.from,!0)+i.from;return{changes:{from:s,to:l,insert:e.doc.slice(o,l).append(e.doc.slice(s,o))},range:h.cursor(l)}});return n.changes.empty?!1:(t(e.update(n,{scrollIntoView:!0,userEvent:"move.character"})),!0)};function ee(e){let t=[],n=-1;for(let r of e.selection.ranges){let o=e.doc.lineAt(r.from),i=e.doc.lineAt(r.to);if(!r.empty&&r.to==i.from&&(i=e.doc.lineAt(r.to-1)),n>=o.number){let s=t[t.length-1];s.to=i.to,s.ranges.push(r)}else t.push({from:o.from,to:i.to,ranges:[r]});n=i.number+1}return t}function Dt(e,t,n){if(e.readOnly)return!1;let r=[],o=[];for(let i of ee(e)){if(n?i.to==e.doc.length:i.from==0)continue;let s=e.doc.lineAt(n?i.to+1:i.from-1),l=s.length+1;if(n){r.push({from:i.to,to:s.to},{from:i.from,insert:s.text+e.lineBreak});for(let a of i.ranges)o.push(h.range(Math.min(e.doc.length,a.anchor+l),Math.min(e.doc.length,a.head+l)))}else{r.push({from:s.from,to:i.from},{from:i.to,insert:e.lineBreak+s.text});for(let a of i.ranges)o.push(h.range(a.anchor-l,a.head-l))}}return r.length?(t(e.update({changes:r,scrollIntoView:!0,selection:h.create(o,e.selection.mainIndex),userEvent:"move.line"})),!0):!1}var qn=({state:e,dispatch:t})=>Dt(e,t,!1),zn=({state:e,dispatch:t})=>Dt(e,t,!0);function Wt(e,t,n){if(e.readOnly)return!1;let r=[];for(let i of ee(e))n?r.push({from:i.from,insert:e.doc.slice(i.from,i.to)+e.lineBreak}):r.push({from:i.to,insert:e.lineBreak+e.doc.slice(i.from,i.to)});let o=e.changes(r);return t(e.update({changes:o,selection:e.selection.map(o,n?1:-1),scrollIntoView:!0,userEvent:"input.copyline"})),!0}var Kn=({state:e,dispatch:t})=>Wt(e,t,!1),_n=({state:e,dispatch:t})=>Wt(e,t,!0),Yn=e=>{if(e.state.readOnly)return!1;let{state:t}=e,n=t.changes(ee(t).map(({from:o,to:i})=>(o>0?o--:i<t.doc.length&&i++,{from:o,to:i}))),r=O(t.selection,o=>{let i;if(e.lineWrapping){let s=e.lineBlockAt(o.head),l=e.coordsAtPos(o.head,o.assoc||1);l&&(i=s.bottom+e.documentTop-l.bottom+e.defaultLineHeight/2)}return e.moveVertically(o,!0,i)}).map(n);return e.dispatch({changes:n,selection:r,scrollIntoView:!0,userEvent:"delete.line"}),!0};function Qn(e,t){if(/\(\)|\[\]|\{\}/.test(e.sliceDoc(t-1,t+1)))return{from:t,to:t};let n=z(e).resolveInner(t),r=n.childBefore(t),o=n.childAfter(t),i;return r&&o&&r.to<=t&&o.from>=t&&(i=r.type.prop(q.closedBy))&&i.indexOf(o.name)>-1&&e.doc.lineAt(r.to).from==e.doc.lineAt(o.from).from&&!/\S/.test(e.sliceDoc(r.to,o.from))?{from:r.to,to:o.from}:null}var Xe=Ht(!1),Xn=Ht(!0);function Ht(e){return({state:t,dispatch:n})=>{if(t.readOnly)return!1;let r=t.changeByRange(o=>{let{from:i,to:s}=o,l=t.doc.lineAt(i),a=!e&&i==s&&Qn(t,i);e&&(i=s=(s<=l.to?l:t.doc.lineAt(s)).to);let m=new me(t,{simulateBreak:i,simulateDoubleBreak:!!a}),u=de(m,i);for(u==null&&(u=V(/^\s*/.exec(t.doc.lineAt(i).text)[0],t.tabSize));s<l.to&&/\s/.test(l.text[s-l.from]);)s++;a?{from:i,to:s}=a:i>l.from&&i<l.from+100&&!/\S/.test(l.text.slice(0,i))&&(i=l.from);let p=["",$(t,u)];return a&&p.push($(t,m.lineIndent(l.from,-1))),{changes:{from:i,to:s,insert:se.of(p)},range:h.cursor(i+1+p[1].length)}});return n(t.update(r,{scrollIntoView:!0,userEvent:"input"})),!0}}function ve(e,t){let n=-1;return e.changeByRange(r=>{let o=[];for(let s=r.from;s<=r.to;){let l=e.doc.lineAt(s);l.number>n&&(r.empty||r.to>l.from)&&(t(l,o,r),n=l.number),s=l.to+1}let i=e.changes(o);return{changes:o,range:h.range(i.mapPos(r.anchor,1),i.mapPos(r.head,1))}})}var Zn=({state:e,dispatch:t})=>{if(e.readOnly)return!1;let n=Object.create(null),r=new me(e,{overrideIndentation:i=>{let s=n[i];return s??-1}}),o=ve(e,(i,s,l)=>{let a=de(r,i.from);if(a==null)return;/\S/.test(i.text)||(a=0);let m=/^\s*/.exec(i.text)[0],u=$(e,a);(m!=u||l.from<i.from+m.length)&&(n[i.from]=a,s.push({from:i.from,to:i.from+m.length,insert:u}))});return o.changes.empty||t(e.update(o,{userEvent:"indent"})),!0},Mt=({state:e,dispatch:t})=>e.readOnly?!1:(t(e.update(ve(e,(n,r)=>{r.push({from:n.from,insert:e.facet(Pe)})}),{userEvent:"input.indent"})),!0),Ot=({state:e,dispatch:t})=>e.readOnly?!1:(t(e.update(ve(e,(n,r)=>{let o=/^\s*/.exec(n.text)[0];if(!o)return;let i=V(o,e.tabSize),s=0,l=$(e,Math.max(0,i-K(e)));for(;s<o.length&&s<l.length&&o.charCodeAt(s)==l.charCodeAt(s);)s++;r.push({from:n.from+s,to:n.from+o.length,insert:l.slice(s)})}),{userEvent:"delete.dedent"})),!0),er=e=>(e.setTabFocusMode(),!0);var tr=[{key:"Ctrl-b",run:at,shift:yt,preventDefault:!0},{key:"Ctrl-f",run:ct,shift:kt},{key:"Ctrl-p",run:mt,shift:bt},{key:"Ctrl-n",run:ft,shift:xt},{key:"Ctrl-a",run:vn,shift:Mn},{key:"Ctrl-e",run:bn,shift:On},{key:"Ctrl-d",run:Bt},{key:"Ctrl-h",run:ye},{key:"Ctrl-k",run:jn},{key:"Ctrl-Alt-h",run:Et},{key:"Ctrl-o",run:Jn},{key:"Ctrl-t",run:Vn},{key:"Ctrl-v",run:ge}],nr=[{key:"ArrowLeft",run:at,shift:yt,preventDefault:!0},{key:"Mod-ArrowLeft",mac:"Alt-ArrowLeft",run:dn,shift:An,preventDefault:!0},{mac:"Cmd-ArrowLeft",run:kn,shift:Wn,preventDefault:!0},{key:"ArrowRight",run:ct,shift:kt,preventDefault:!0},{key:"Mod-ArrowRight",mac:"Alt-ArrowRight",run:mn,shift:wn,preventDefault:!0},{mac:"Cmd-ArrowRight",run:Sn,shift:Hn,preventDefault:!0},{key:"ArrowUp",run:mt,shift:bt,preventDefault:!0},{mac:"Cmd-ArrowUp",run:Ke,shift:Ye},{mac:"Ctrl-ArrowUp",run:Ve,shift:qe},{key:"ArrowDown",run:ft,shift:xt,preventDefault:!0},{mac:"Cmd-ArrowDown",run:_e,shift:Qe},{mac:"Ctrl-ArrowDown",run:ge,shift:ze},{key:"PageUp",run:Ve,shift:qe},{key:"PageDown",run:ge,shift:ze},{key:"Home",run:yn,shift:Dn,preventDefault:!0},{key:"Mod-Home",run:Ke,shift:Ye},{key:"End",run:gn,shift:En,preventDefault:!0},{key:"Mod-End",run:_e,shift:Qe},{key:"Enter",run:Xe,shift:Xe},{key:"Mod-a",run:Tn},{key:"Backspace",run:ye,shift:ye,preventDefault:!0},{key:"Delete",run:Bt,preventDefault:!0},{key:"Mod-Backspace",mac:"Alt-Backspace",run:Et,preventDefault:!0},{key:"Mod-Delete",mac:"Alt-Delete",run:Pn,preventDefault:!0},{mac:"Mod-Backspace",run:Gn,preventDefault:!0},{mac:"Mod-Delete",run:Fn,preventDefault:!0}].concat(tr.map(e=>({mac:e.key,run:e.run,shift:e.shift}))),Tt=[{key:"Alt-ArrowLeft",mac:"Ctrl-ArrowLeft",run:hn,shift:Bn},{key:"Alt-ArrowRight",mac:"Ctrl-ArrowRight",run:pn,shift:Ln},{key:"Alt-ArrowUp",run:qn},{key:"Shift-Alt-ArrowUp",run:Kn},{key:"Alt-ArrowDown",run:zn},{key:"Shift-Alt-ArrowDown",run:_n},{key:"Mod-Alt-ArrowUp",run:$n},{key:"Mod-Alt-ArrowDown",run:Rn},{key:"Escape",run:Un},{key:"Mod-Enter",run:Xn},{key:"Alt-l",mac:"Ctrl-l",run:In},{key:"Mod-i",run:Nn,preventDefault:!0},{key:"Mod-[",run:Ot},{key:"Mod-]",run:Mt},{key:"Mod-Alt-\\",run:Zn},{key:"Shift-Mod-k",run:Yn},{key:"Shift-Mod-\\",run:Cn},{key:"Mod-/",run:zt},{key:"Alt-A",mac:"Ctrl-A",run:_t},{key:"Ctrl-m",mac:"Shift-Alt-m",run:er}].concat(nr),It={key:"Tab",run:Mt,shift:Ot};var te=class{constructor(t,n){this.language=new We,this.support=[],this.onRun=n,this.view=new A({parent:t,state:this.newState("")})}extensions(){var t;return[$e(),Re(),Ie(),nt(),Te(),je(),Fe(),Ne(),Ge(Ue),De.highest(ue.of([{key:"Mod-Enter",run:()=>(this.onRun(),!0)}])),ue.of([...Tt,...st,It]),A.contentAttributes.of({"aria-label":"Code"}),A.cspNonce.of(((t=document.querySelector('meta[name="csp-nonce"]'))==null?void 0:t.content)??""),this.language.of(this.support)]}newState(t){return He.create({doc:t,extensions:this.extensions()})}show(t){this.view.setState(t)}get state(){return this.view.state}setLanguage(t,n){this.support=t;let r=this.language.reconfigure(t);return this.view.dispatch({effects:r}),n.map(o=>o.update({effects:r}).state)}focus(){this.view.focus()}};var rr={ns:1e-6,µs:.001,μs:.001,us:.001,ms:1,s:1e3,m:6e4,h:36e5};function or(e){if(typeof e!="string"||e==="")return NaN;let t=/([0-9]*\.?[0-9]+)(ns|µs|μs|us|ms|s|m|h)/y,n=0,r=0,o;for(;o=t.exec(e);)n+=parseFloat(o[1])*rr[o[2]],r=t.lastIndex;return r===e.length?n:NaN}function T(e){let t=or(e);return Number.isNaN(t)?String(e??"?"):t<1?`${t.toFixed(2)} ms`:t<1e3?`${Math.round(t)} ms`:`${(t/1e3).toFixed(2)} s`}function P(e){return typeof e!="number"||!Number.isFinite(e)?"?":e<1024?`${e} B`:e<1<<20?`${(e/1024).toFixed(1)} KiB`:`${(e/(1<<20)).toFixed(1)} MiB`}function Nt(e){let t=[],n="",r=!1,o="";for(let i=0;i<e.length;i++){let s=e[i];o?s===o?o="":s==="\\"&&o==='"'&&i+1<e.length?n+=e[++i]:n+=s:s==="'"||s==='"'?(o=s,r=!0):s==="\\"&&i+1<e.length?(n+=e[++i],r=!0):/\s/.test(s)?(r&&t.push(n),n="",r=!1):(n+=s,r=!0)}return r&&t.push(n),t}function y(e,t={},...n){let r=document.createElement(e);for(let[o,i]of Object.entries(t))i===!1||i==null||(o.startsWith("on")?r.addEventListener(o.slice(2),i):r.setAttribute(o,i===!0?"":String(i)));return r.append(...n),r}var ne=class{constructor(t,n,r){this.editor=t,this.tabs=n,this.entrySelect=r,this.list=[],this.active=0,this.entrypoint="",r.addEventListener("change",()=>{this.entrypoint=r.value})}load(t,n){this.list=t.map(r=>({name:r.name,state:this.editor.newState(r.content)})),this.list.length===0&&this.list.push({name:"main",state:this.editor.newState("")}),this.entrypoint=this.list.some(r=>r.name===n)?n:this.list[0].name,this.active=Math.max(0,this.list.findIndex(r=>r.name===this.entrypoint)),this.editor.show(this.list[this.active].state),this.render()}contents(){return this.list[this.active].state=this.editor.state,this.list.map(t=>({name:t.name,content:t.state.doc.toString()}))}select(t){t===this.active||t<0||t>=this.list.length||(this.list[this.active].state=this.editor.state,this.active=t,this.editor.show(this.list[t].state),this.render())}setLanguage(t){this.list[this.active].state=this.editor.state;let n=this.list.filter((i,s)=>s!==this.active).map(i=>i.state),r=this.editor.setLanguage(t,n),o=0;this.list.forEach((i,s)=>{i.state=s===this.active?this.editor.state:r[o++]})}problem(t,n=-1){return!t||!t.trim()?"a file needs a name":t.startsWith("/")||t.split("/").includes("..")?"a file name is relative and has no '..'":this.list.some((r,o)=>o!==n&&r.name===t)?`there is already a file named ${t}`:""}add(t){let n=this.problem(t);return n||(this.list.push({name:t,state:this.editor.newState("")}),this.select(this.list.length-1),this.render(),"")}rename(t){let n=this.problem(t,this.active);if(n)return n;let r=this.list[this.active];return this.entrypoint===r.name&&(this.entrypoint=t),r.name=t,this.render(),""}remove(){if(this.list.length===1)return"the program needs at least one file";let[t]=this.list.splice(this.active,1);return this.entrypoint===t.name&&(this.entrypoint=this.list[0].name),this.active=Math.min(this.active,this.list.length-1),this.editor.show(this.list[this.active].state),this.render(),""}get current(){return this.list[this.active].name}render(){var n;let t=this.list.map((r,o)=>y("button",{type:"button",role:"tab",id:`tab-${o}`,"aria-selected":o===this.active?"true":"false",tabindex:o===this.active?"0":"-1",onclick:()=>this.select(o),onkeydown:i=>this.arrows(i,o)},r.name));this.tabs.replaceChildren(...t),this.entrySelect.replaceChildren(...this.list.map(r=>y("option",{value:r.name},r.name))),this.entrySelect.value=this.entrypoint,(n=this.editor.view.dom.parentElement)==null||n.setAttribute("aria-labelledby",`tab-${this.active}`)}arrows(t,n){var i;let r={ArrowRight:1,ArrowLeft:-1}[t.key];if(!r)return;let o=(n+r+this.list.length)%this.list.length;this.select(o),(i=this.tabs.children[o])==null||i.focus(),t.preventDefault()}};var re=class{constructor(t){this.list=t,this.rows=[]}load(t){this.rows=[],this.list.replaceChildren();for(let n of t.length?t:[{stdin:"",expected:""}])this.add(n.stdin,n.expected)}add(t="",n=""){let r=this.rows.length+1,o={stdin:y("textarea",{rows:2,spellcheck:"false","aria-label":`Test ${r} input`,placeholder:"input"}),expected:y("textarea",{rows:2,spellcheck:"false","aria-label":`Test ${r} expected output`,placeholder:"expected output"}),verdict:y("span",{class:"verdict"}),detail:y("span",{class:"detail"}),preview:y("details",{hidden:!0})};o.stdin.value=t,o.expected.value=n;let i=y("button",{type:"button","aria-label":`Remove test ${r}`,onclick:()=>this.remove(o)},"×");o.item=y("li",{},y("div",{class:"pair"},o.stdin,o.expected),y("div",{class:"row"},o.verdict,o.detail,y("span",{class:"grow"}),i),o.preview),this.rows.push(o),this.list.append(o.item)}remove(t){this.rows.length!==1&&(this.rows=this.rows.filter(n=>n!==t),t.item.remove(),this.rows.forEach((n,r)=>{n.stdin.setAttribute("aria-label",`Test ${r+1} input`),n.expected.setAttribute("aria-label",`Test ${r+1} expected output`)}))}values(){return this.rows.map(t=>({stdin:t.stdin.value,expected:t.expected.value}))}clear(){for(let t of this.rows)t.verdict.textContent="",t.verdict.className="verdict",t.detail.textContent="",t.preview.hidden=!0,t.preview.replaceChildren()}show(t){(Array.isArray(t)?t:[]).forEach((n,r)=>{let o=this.rows[r];!o||!n||(o.verdict.textContent=String(n.verdict??"?"),o.verdict.className=`verdict ${n.verdict}`,o.detail.textContent=[T(n.cpuTime)+" CPU",P(n.memory),n.message].filter(Boolean).join(" · "),n.verdict!=="AC"&&(o.preview.replaceChildren(y("summary",{},"Output"),y("pre",{},String(n.stdout??"")),...n.stderr?[y("pre",{class:"stderr"},String(n.stderr))]:[]),o.preview.hidden=!1))})}};async function $t(e,t){let n=await fetch("/api/v1/judge",{method:"POST",headers:{"Content-Type":"application/json"},body:JSON.stringify(e),signal:t}),r;try{r=await n.json()}catch{r={error:`HTTP ${n.status}`}}return[n.status,r]}function ir(){return`${location.protocol==="https:"?"wss:":"ws:"}//${location.host}/api/v1/connect`}var sr=/limits\.wallTimeMs \d+ exceeds the server maximum (\d+)/,oe=class{constructor(t,n,r){this.request=t,this.on=n,this.closeStdin=r,this.done=!1,this.open()}open(){this.gotResult=!1,this.retry=!1;let t=new WebSocket(ir());this.ws=t,t.onopen=()=>{t.send(JSON.stringify({type:"execute",...this.request})),this.closeStdin&&t.send(JSON.stringify({type:"stdinClose"}))},t.onmessage=n=>this.message(n.data),t.onclose=n=>this.closed(n)}message(t){let n;try{n=JSON.parse(t)}catch{return}switch(n.type){case"runtime":this.on.runtime(n);break;case"stage":this.on.stage(n.stage);break;case"stdout":case"stderr":this.on.output(n.stage,n.type,String(n.data??""));break;case"exit":this.on.exit(n);break;case"result":this.gotResult=!0,this.on.result(n);break;case"error":this.error(String(n.error??"error"));break}}error(t){var r;let n=sr.exec(t);if(n&&((r=this.request.limits)!=null&&r.wallTimeMs)&&!this.retried){this.retried=this.retry=!0,this.request={...this.request,limits:{...this.request.limits,wallTimeMs:Number(n[1])}};return}this.on.error(t)}closed(t){if(this.retry){this.open();return}this.done=!0,this.on.closed(t,this.gotResult)}send(t){!this.done&&this.ws.readyState===WebSocket.OPEN&&this.ws.send(JSON.stringify(t))}stdin(t){this.send({type:"stdin",data:t})}endInput(){this.send({type:"stdinClose"})}signal(t){this.send({type:"signal",signal:t})}stop(){this.ws.readyState===WebSocket.OPEN?this.signal("SIGKILL"):this.abort()}abort(){this.done=!0,this.ws.close()}};function Rt(e){let t="";for(let n=0;n<e.length;n+=32768)t+=String.fromCharCode(...e.subarray(n,n+32768));return btoa(t).replace(/\+/g,"-").replace(/\//g,"_").replace(/=+$/,"")}function Ut(e){let t=atob(e.replace(/-/g,"+").replace(/_/g,"/"));return Uint8Array.from(t,n=>n.charCodeAt(0))}async function Pt(e,t){let n=new Response(new Blob([e]).stream().pipeThrough(t));return new Uint8Array(await n.arrayBuffer())}async function jt(e){let t=new TextEncoder().encode(JSON.stringify(e));return typeof CompressionStream=="function"?"#z"+Rt(await Pt(t,new CompressionStream("deflate-raw"))):"#p"+Rt(t)}async function be(e){try{let t=e.slice(1,2),n=e.slice(2),r;if(t==="z"&&typeof DecompressionStream=="function")r=await Pt(Ut(n),new DecompressionStream("deflate-raw"));else if(t==="p")r=Ut(n);else return null;let o=JSON.parse(new TextDecoder().decode(r));return o&&typeof o=="object"&&!Array.isArray(o)?o:null}catch{return null}}var c=(e,t)=>async()=>Je.define(t(await e())),Gt={c:async()=>(await import("./c-G52UNJLC.js")).cpp(),"c++":async()=>(await import("./c-G52UNJLC.js")).cpp(),python3:async()=>(await import("./c-VBUR6NJG.js")).python(),node:async()=>(await import("./c-M64TC77D.js")).javascript(),typescript:async()=>(await import("./c-M64TC77D.js")).javascript({typescript:!0}),java:async()=>(await import("./c-CK45T7NC.js")).java(),go:async()=>(await import("./c-CIZ2EUV2.js")).go(),rust:async()=>(await import("./c-VFNQQ2EW.js")).rust(),"c-clang":async()=>(await import("./c-G52UNJLC.js")).cpp(),"c++-clang":async()=>(await import("./c-G52UNJLC.js")).cpp(),tcc:async()=>(await import("./c-G52UNJLC.js")).cpp(),pypy3:async()=>(await import("./c-VBUR6NJG.js")).python(),rhino:async()=>(await import("./c-M64TC77D.js")).javascript(),gccgo:async()=>(await import("./c-CIZ2EUV2.js")).go(),bash:c(()=>import("./c-RLYGCVWK.js"),e=>e.shell),brainfuck:c(()=>import("./c-RPGGY5AI.js"),e=>e.brainfuck),clojure:c(()=>import("./c-XFCDMBAR.js"),e=>e.clojure),cobol:c(()=>import("./c-CNRI7UVX.js"),e=>e.cobol),coffeescript:c(()=>import("./c-V7GMQAFG.js"),e=>e.coffeeScript),crystal:c(()=>import("./c-FFGIDRGR.js"),e=>e.crystal),csharp:c(()=>import("./c-SG2R4ZMT.js"),e=>e.csharp),d:c(()=>import("./c-R2XYUYUO.js"),e=>e.d),elixir:c(()=>import("./c-66AMC7ME.js"),e=>e.ruby),erlang:c(()=>import("./c-A4L5TTME.js"),e=>e.erlang),forth:c(()=>import("./c-BLOBENY7.js"),e=>e.forth),fortran:c(()=>import("./c-JAYXAYAP.js"),e=>e.fortran),groovy:c(()=>import("./c-QJIMMRY6.js"),e=>e.groovy),haskell:c(()=>import("./c-FKIRPSAX.js"),e=>e.haskell),kotlin:c(()=>import("./c-SG2R4ZMT.js"),e=>e.kotlin),lisp:c(()=>import("./c-TT4L6QLT.js"),e=>e.commonLisp),lua:c(()=>import("./c-QLROLBPI.js"),e=>e.lua),nasm:c(()=>import("./c-OIRPQRRX.js"),e=>e.gas),nasm64:c(()=>import("./c-OIRPQRRX.js"),e=>e.gas),nim:c(()=>import("./c-K2HRN5R6.js"),e=>e.python),"objective-c":c(()=>import("./c-SG2R4ZMT.js"),e=>e.objectiveC),ocaml:c(()=>import("./c-3J4NCWR2.js"),e=>e.oCaml),octave:c(()=>import("./c-N4NJCWTD.js"),e=>e.octave),pascal:c(()=>import("./c-QDH5BDK4.js"),e=>e.pascal),perl:c(()=>import("./c-SPQM44XZ.js"),e=>e.perl),php:c(()=>import("./c-SG2R4ZMT.js"),e=>e.c),prolog:c(()=>import("./c-A4L5TTME.js"),e=>e.erlang),racket:c(()=>import("./c-NRN4UTKV.js"),e=>e.scheme),raku:c(()=>import("./c-SPQM44XZ.js"),e=>e.perl),rscript:c(()=>import("./c-5EYFITAW.js"),e=>e.r),ruby:c(()=>import("./c-66AMC7ME.js"),e=>e.ruby),scala:c(()=>import("./c-SG2R4ZMT.js"),e=>e.scala),scheme:c(()=>import("./c-NRN4UTKV.js"),e=>e.scheme),sqlite3:c(()=>import("./c-NOESYBMH.js"),e=>e.sqlite),tcl:c(()=>import("./c-QBLROWST.js"),e=>e.tcl),dash:c(()=>import("./c-RLYGCVWK.js"),e=>e.shell),zsh:c(()=>import("./c-RLYGCVWK.js"),e=>e.shell),ksh:c(()=>import("./c-RLYGCVWK.js"),e=>e.shell),fish:c(()=>import("./c-RLYGCVWK.js"),e=>e.shell),luajit:c(()=>import("./c-QLROLBPI.js"),e=>e.lua),mruby:c(()=>import("./c-66AMC7ME.js"),e=>e.ruby),jruby:c(()=>import("./c-66AMC7ME.js"),e=>e.ruby),chicken:c(()=>import("./c-NRN4UTKV.js"),e=>e.scheme),chez:c(()=>import("./c-NRN4UTKV.js"),e=>e.scheme),"mit-scheme":c(()=>import("./c-NRN4UTKV.js"),e=>e.scheme),gambit:c(()=>import("./c-NRN4UTKV.js"),e=>e.scheme),clisp:c(()=>import("./c-TT4L6QLT.js"),e=>e.commonLisp),ecl:c(()=>import("./c-TT4L6QLT.js"),e=>e.commonLisp),emacs:c(()=>import("./c-TT4L6QLT.js"),e=>e.commonLisp),sml:c(()=>import("./c-3J4NCWR2.js"),e=>e.sml),hugs:c(()=>import("./c-FKIRPSAX.js"),e=>e.haskell),gprolog:c(()=>import("./c-A4L5TTME.js"),e=>e.erlang),ldc:c(()=>import("./c-R2XYUYUO.js"),e=>e.d),iverilog:c(()=>import("./c-7J3USUCD.js"),e=>e.verilog),vhdl:c(()=>import("./c-VEDOTU4Y.js"),e=>e.vhdl),modula2:c(()=>import("./c-QDH5BDK4.js"),e=>e.pascal),vala:c(()=>import("./c-SG2R4ZMT.js"),e=>e.csharp)},ie=new Map;function Ft(e,t=[]){let n=[e,...t].find(r=>Object.hasOwn(Gt,r));return n?(ie.has(n)||ie.set(n,Gt[n]().catch(r=>(ie.delete(n),console.warn(`syntax mode of ${n} failed to load`,r),[]))),ie.get(n)):Promise.resolve([])}var j={ada:{entrypoint:"main.adb",code:`with Ada.Text_IO;

procedure Main is
begin
   Ada.Text_IO.Put_Line ("Hello, World!");
end Main;
`},algol68:{entrypoint:"main.a68",code:`print (("Hello, World!", new line))
`},awk:{entrypoint:"main.awk",code:`BEGIN { print "Hello, World!" }
`},bash:{entrypoint:"main.sh",code:`echo "Hello, World!"
`},bc:{entrypoint:"main.bc",code:`print "Hello, World!\\n"
quit
`},brainfuck:{entrypoint:"main.bf",code:`>++++++++++[<+++++++>-]<++.>++++++++++[<++>-]<+++++++++.+++++++..+++.>++
++++++++[<------>-]<-------.>++++++++++[<->-]<--.>++++++++++[<+++++>-]<+
++++.>++++++++++[<++>-]<++++.+++.------.--------.>++++++++++[<------>-]<
-------.>++++++++++[<-->-]<---.
`},"c++-clang":{entrypoint:"main.cpp",code:`#include <iostream>

int main() {
    std::cout << "Hello, World!" << std::endl;
    return 0;
}
`},"c++":{entrypoint:"main.cpp",code:`#include <iostream>

int main() {
    std::cout << "Hello, World!" << std::endl;
    return 0;
}
`},"c-clang":{entrypoint:"main.c",code:`#include <stdio.h>

int main(void) {
    puts("Hello, World!");
    return 0;
}
`},c:{entrypoint:"main.c",code:`#include <stdio.h>

int main(void) {
    puts("Hello, World!");
    return 0;
}
`},chez:{entrypoint:"main.ss",code:`(display "Hello, World!\\n")
`},chicken:{entrypoint:"main.scm",code:`(display "Hello, World!")
(newline)
`},clisp:{entrypoint:"main.lisp",code:`(format t "Hello, World!~%")
`},clojure:{entrypoint:"main.clj",code:`(println "Hello, World!")
`},cobol:{entrypoint:"main.cob",code:`       IDENTIFICATION DIVISION.
       PROGRAM-ID. MAIN.
       PROCEDURE DIVISION.
           DISPLAY "Hello, World!".
           STOP RUN.
`},coffeescript:{entrypoint:"main.coffee",code:`console.log "Hello, World!"
`},crystal:{entrypoint:"main.cr",code:`puts "Hello, World!"
`},csharp:{entrypoint:"main.cs",code:`using System;

class Program {
    static void Main() {
        Console.WriteLine("Hello, World!");
    }
}
`},d:{entrypoint:"main.d",code:`import std.stdio;

void main() {
    writeln("Hello, World!");
}
`},dash:{entrypoint:"main.sh",code:`echo "Hello, World!"
`},dc:{entrypoint:"main.dc",code:`[Hello, World!]p
`},ecl:{entrypoint:"main.lisp",code:`(format t "Hello, World!~%")
`},elixir:{entrypoint:"main.exs",code:`IO.puts("Hello, World!")
`},emacs:{entrypoint:"main.el",code:`(princ "Hello, World!\\n")
`},erlang:{entrypoint:"main.erl",code:`main(_) ->
    io:format("Hello, World!~n").
`},fish:{entrypoint:"main.fish",code:`echo "Hello, World!"
`},forth:{entrypoint:"main.fs",code:`.( Hello, World!) cr bye
`},fortran:{entrypoint:"main.f90",code:`program hello
    print '(A)', 'Hello, World!'
end program hello
`},gambit:{entrypoint:"main.scm",code:`(display "Hello, World!\\n")
`},gccgo:{entrypoint:"main.go",code:`package main

import "fmt"

func main() {
	fmt.Println("Hello, World!")
}
`},go:{entrypoint:"main.go",code:`package main

import "fmt"

func main() {
	fmt.Println("Hello, World!")
}
`},gprolog:{entrypoint:"main.pl",code:`:- initialization(main).

main :- write('Hello, World!'), nl.
`},groovy:{entrypoint:"main.groovy",code:`println "Hello, World!"
`},haskell:{entrypoint:"main.hs",code:`main :: IO ()
main = putStrLn "Hello, World!"
`},hugs:{entrypoint:"main.hs",code:`main :: IO ()
main = putStrLn "Hello, World!"
`},icon:{entrypoint:"main.icn",code:`procedure main()
    write("Hello, World!")
end
`},intercal:{entrypoint:"main.i",code:`	PLEASE NOTE THE HYBRID ARRAY HOLDS THE BYTES OF THE GREETING
	PLEASE NOTE IN THE BINARY I/O ENCODING OF CLC-INTERCAL
	DO ;1 <- #14
	DO ;1 SUB #1 <- #49922C\b/#11783
	DO ;1 SUB #2 <- #25090C\b/#6954
	PLEASE DO ;1 SUB #3 <- #62478C\b/#48653
	DO ;1 SUB #4 <- #57103C\b/#27663
	DO ;1 SUB #5 <- #18191C\b/#56076
	PLEASE DO ;1 SUB #6 <- #6940C\b/#3843
	DO ;1 SUB #7 <- #37892C\b/#46111
	DO ;1 SUB #8 <- #19200C\b/#32072
	PLEASE DO ;1 SUB #9 <- #11287C\b/#50948
	DO ;1 SUB #10 <- #42802C\b/#43266
	DO ;1 SUB #11 <- #25356C\b/#28937
	PLEASE DO ;1 SUB #12 <- #59149C\b/#47375
	DO ;1 SUB #13 <- #1282C\b/#4126
	DO ;1 SUB #14 <- #37120C\b/#34106
	DO READ OUT ;1
	PLEASE GIVE UP
`},iverilog:{entrypoint:"main.v",code:`module hello;
  initial $display("Hello, World!");
endmodule
`},java:{entrypoint:"Main.java",code:`public class Main {
    public static void main(String[] args) {
        System.out.println("Hello, World!");
    }
}
`},jruby:{entrypoint:"main.rb",code:`puts "Hello, World!"
`},kotlin:{entrypoint:"main.kt",code:`fun main() {
    println("Hello, World!")
}
`},ksh:{entrypoint:"main.ksh",code:`print -r -- "Hello, World!"
`},ldc:{entrypoint:"main.d",code:`import std.stdio;

void main() {
    writeln("Hello, World!");
}
`},lisp:{entrypoint:"main.lisp",code:`(format t "Hello, World!~%")
`},llvm_ir:{entrypoint:"main.ll",code:`@msg = private unnamed_addr constant [14 x i8] c"Hello, World!\\00"

declare i32 @puts(i8* nocapture) nounwind

define i32 @main() {
  %p = getelementptr [14 x i8], [14 x i8]* @msg, i64 0, i64 0
  call i32 @puts(i8* %p)
  ret i32 0
}
`},lua:{entrypoint:"main.lua",code:`print("Hello, World!")
`},luajit:{entrypoint:"main.lua",code:`print("Hello, World!")
`},m4:{entrypoint:"main.m4",code:"define(`GREETING', `Hello, World!')dnl\nGREETING\n"},"mit-scheme":{entrypoint:"main.scm",code:`(display "Hello, World!")
(newline)
`},modula2:{entrypoint:"main.mod",code:`MODULE hello;

FROM StrIO IMPORT WriteString, WriteLn;

BEGIN
  WriteString('Hello, World!');
  WriteLn
END hello.
`},mruby:{entrypoint:"main.rb",code:`puts "Hello, World!"
`},nasm:{entrypoint:"main.asm",code:`section .data
    msg db "Hello, World!", 10
    len equ $ - msg

section .text
    global _start
_start:
    mov eax, 4          ; write
    mov ebx, 1          ; stdout
    mov ecx, msg
    mov edx, len
    int 0x80
    mov eax, 1          ; exit
    xor ebx, ebx
    int 0x80
`},nasm64:{entrypoint:"main.asm",code:`section .data
    msg db "Hello, World!", 10
    len equ $ - msg

section .text
    global _start
_start:
    mov rax, 1          ; write
    mov rdi, 1          ; stdout
    lea rsi, [rel msg]
    mov rdx, len
    syscall
    mov rax, 60         ; exit
    xor rdi, rdi
    syscall
`},nim:{entrypoint:"main.nim",code:`echo "Hello, World!"
`},node:{entrypoint:"main.js",code:`console.log("Hello, World!");
`},"objective-c":{entrypoint:"main.m",code:`#import <stdio.h>

int main(void) {
    printf("Hello, World!\\n");
    return 0;
}
`},ocaml:{entrypoint:"main.ml",code:`let () = print_endline "Hello, World!"
`},octave:{entrypoint:"main.m",code:`printf("Hello, World!\\n");
`},pari:{entrypoint:"main.gp",code:`print("Hello, World!");
`},pascal:{entrypoint:"main.pas",code:`program Hello;
begin
  WriteLn('Hello, World!');
end.
`},perl:{entrypoint:"main.pl",code:`print "Hello, World!\\n";
`},php:{entrypoint:"main.php",code:`<?php
echo "Hello, World!\\n";
`},pike:{entrypoint:"main.pike",code:`int main()
{
    write("Hello, World!\\n");
    return 0;
}
`},postscript:{entrypoint:"main.ps",code:`(Hello, World!\\n) print flush
`},prolog:{entrypoint:"main.pl",code:`:- initialization(main, main).

main :-
    writeln('Hello, World!').
`},pypy3:{entrypoint:"main.py",code:`print("Hello, World!")
`},python3:{entrypoint:"main.py",code:`print("Hello, World!")
`},racket:{entrypoint:"main.rkt",code:`#lang racket/base
(displayln "Hello, World!")
`},raku:{entrypoint:"main.raku",code:`say "Hello, World!";
`},rexx:{entrypoint:"main.rexx",code:`say "Hello, World!"
`},rhino:{entrypoint:"main.js",code:`print("Hello, World!");
`},rscript:{entrypoint:"main.r",code:`cat("Hello, World!\\n")
`},ruby:{entrypoint:"main.rb",code:`puts "Hello, World!"
`},rust:{entrypoint:"main.rs",code:`fn main() {
    println!("Hello, World!");
}
`},scala:{entrypoint:"main.scala",code:`object Main {
  def main(args: Array[String]): Unit = {
    println("Hello, World!")
  }
}
`},scheme:{entrypoint:"main.scm",code:`(display "Hello, World!")
(newline)
`},sml:{entrypoint:"main.sml",code:`print "Hello, World!\\n";
`},sqlite3:{entrypoint:"main.sql",code:`SELECT 'Hello, World!';
`},tcc:{entrypoint:"main.c",code:`#include <stdio.h>

int main(void) {
    puts("Hello, World!");
    return 0;
}
`},tcl:{entrypoint:"main.tcl",code:`puts "Hello, World!"
`},typescript:{entrypoint:"main.ts",code:`const greeting: string = "Hello, World!";
console.log(greeting);
`},vala:{entrypoint:"main.vala",code:`void main() {
    print("Hello, World!\\n");
}
`},vhdl:{entrypoint:"main.vhd",code:`use std.textio.all;

entity hello is
end entity hello;

architecture behaviour of hello is
begin
  process
    variable l : line;
  begin
    write(l, string'("Hello, World!"));
    writeline(output, l);
    wait;
  end process;
end architecture behaviour;
`},yabasic:{entrypoint:"main.yab",code:`print "Hello, World!"
`},zsh:{entrypoint:"main.zsh",code:`print -r -- "Hello, World!"
`}};var g=e=>document.getElementById(e),d={language:g("language"),run:g("run"),stop:g("stop"),share:g("share"),theme:g("theme"),stdin:g("stdin"),args:g("args"),out:g("out"),output:g("output"),status:g("status"),live:g("live"),line:g("line"),eof:g("eof"),note:g("note"),compare:g("compare"),runInputs:g("run-inputs"),judgeInputs:g("judge-inputs")},ar=3e4,cr=new te(g("editor"),()=>xe()),b=new ne(cr,g("tabs"),g("entrypoint")),H=new re(g("tests")),f={runtimes:[],language:"",stash:new Map,session:null,busy:!1};function ur(e){let t=[e.language,...e.aliases??[]].find(o=>Object.hasOwn(j,o));if(t)return{files:[{name:j[t].entrypoint,content:j[t].code}],entrypoint:j[t].entrypoint};let n=[e.language,...e.aliases??[]].filter(o=>/^[a-z0-9]{1,5}$/.test(o)).sort((o,i)=>o.length-i.length)[0],r=n?`main.${n}`:"main";return{files:[{name:r,content:""}],entrypoint:r}}function Ce(e){return f.runtimes.find(t=>t.language===e)}function Ae(e,t){f.language&&f.stash.set(f.language,{files:b.contents(),entrypoint:b.entrypoint});let n=Ce(e);f.language=e,d.language.value=e;let r=t??f.stash.get(e)??ur(n);b.load(r.files,r.entrypoint),Ft(e,n==null?void 0:n.aliases).then(o=>{f.language===e&&b.setLanguage(o)})}async function dr(){try{let t=await fetch("/api/v1/runtimes"),n=await t.json();if(!t.ok||!Array.isArray(n))throw new Error((n==null?void 0:n.error)??`HTTP ${t.status}`);f.runtimes=n.filter(r=>r&&typeof r.language=="string")}catch(t){return S(`Cannot list the runtimes: ${t.message}`,"bad"),!1}let e=f.runtimes.map(t=>{let n=document.createElement("option");return n.value=t.language,n.textContent=`${t.language} ${t.version??""}`.trim(),n});return d.language.replaceChildren(...e),d.language.disabled=f.runtimes.length===0,f.runtimes.length>0}function S(e,t=""){d.status.textContent=e,d.status.className=`status ${t}`}function I(e,t){let n=d.out.lastElementChild;if(n&&n.className===e)n.textContent+=t;else{let r=document.createElement("span");r.className=e,r.textContent=t,d.out.append(r)}d.output.scrollTop=d.output.scrollHeight}function G(e,t=!1){f.busy=e,d.run.disabled=e||f.runtimes.length===0,d.stop.disabled=!e,d.live.hidden=!(e&&t),d.language.disabled=e||f.runtimes.length===0}function Jt(){return{language:f.language,entrypoint:b.entrypoint,files:b.contents(),args:Nt(d.args.value)}}function xe(){if(f.busy||!f.language)return;if(d.out.replaceChildren(),we()==="judge")return hr();let e=d.stdin.value==="",t={...Jt()};e?t.limits={wallTimeMs:ar}:t.stdin=d.stdin.value,S("Connecting…"),G(!0,e),f.session=new oe(t,mr(),!e),e&&d.line.focus()}function mr(){let e=!1;return{runtime:t=>S(`Running on ${t.language} ${t.version}…`),stage:t=>S(t==="compile"?"Compiling…":"Running…"),output:(t,n,r)=>{t==="compile"&&(e=!0),I(t==="compile"?"compile":n,r)},exit:()=>{},result:t=>fr(t,e),error:t=>{I("stderr",`${t}
`),S(`Error: ${t}`,"bad")},closed:(t,n)=>{G(!1),f.session=null,!n&&!d.status.classList.contains("bad")&&S(`Connection closed (${t.code}${t.reason?" "+t.reason:""}) before the result`,"bad")}}}function fr(e,t){var r,o,i;if(e.status==="CE"){t||I("compile",`${((r=e.compile)==null?void 0:r.stderr)??e.stderr??""}${((o=e.compile)==null?void 0:o.stdout)??""}`),S(`CE · compilation failed · exit code ${((i=e.compile)==null?void 0:i.exitCode)??e.exitCode}`,"bad");return}let n=[e.status,e.message,`exit code ${e.exitCode}`,`CPU ${T(e.cpuTime)}`,`wall ${T(e.wallTime)}`,`memory ${P(e.memory)}`];(e.stdoutTruncated||e.stderrTruncated)&&n.push("output truncated"),S(n.filter(s=>s!==void 0&&s!=="").join(" · "),e.status==="OK"?"ok":"bad")}async function hr(){var r,o;let e=H.values(),t={...Jt(),compare:{mode:d.compare.value},tests:e.map((i,s)=>({name:String(s+1),stdin:i.stdin,expectedOutput:i.expected}))};H.clear(),G(!0);let n=new AbortController;f.stopJudge=()=>n.abort(),S(`Judging ${e.length} test${e.length===1?"":"s"}…`);try{let[i,s]=await $t(t,n.signal);if(i!==200){I("stderr",`${s.error??"error"}
`),S(`Error: ${s.error??i}`,"bad");return}if(s.status==="CE"){I("compile",`${((r=s.compile)==null?void 0:r.stderr)??""}${((o=s.compile)==null?void 0:o.stdout)??""}`),S("CE · compilation failed","bad");return}H.show(s.tests),S(`${s.status} · ${s.passed}/${s.total} tests passed · max CPU ${T(s.maxCpuTime)} · max memory ${P(s.maxMemory)}`,s.status==="AC"?"ok":"bad")}catch(i){S(n.signal.aborted?"Stopped: the judge was cancelled":`Error: ${i.message}`,"bad")}finally{f.stopJudge=null,G(!1)}}function pr(){f.stopJudge?f.stopJudge():f.session&&(f.session.stop(),S("Stopping…"))}function we(){var e;return((e=document.querySelector('input[name="mode"]:checked'))==null?void 0:e.value)??"run"}function Vt(e){let t=document.querySelector(`input[name="mode"][value="${e==="judge"?"judge":"run"}"]`);t.checked=!0,d.runInputs.hidden=e==="judge",d.judgeInputs.hidden=e!=="judge"}function gr(){return{language:f.language,entrypoint:b.entrypoint,files:b.contents(),stdin:d.stdin.value,args:d.args.value,mode:we(),compare:d.compare.value,tests:H.values()}}function qt(e){if(!Ce(e.language))return!1;let t=o=>typeof o=="string"?o:"",n=Array.isArray(e.files)?e.files.filter(o=>o&&typeof o.name=="string"&&o.name):[];Ae(e.language,n.length?{files:n.map(o=>({name:o.name,content:t(o.content)})),entrypoint:t(e.entrypoint)}:void 0),d.stdin.value=t(e.stdin),d.args.value=t(e.args),["lines","exact","tokens","float"].includes(e.compare)&&(d.compare.value=e.compare);let r=Array.isArray(e.tests)?e.tests.filter(o=>o&&typeof o=="object"):[];return H.load(r.map(o=>({stdin:t(o.stdin),expected:t(o.expected)}))),Vt(e.mode),!0}async function yr(){let e=await jt(gr());history.replaceState(null,"",e);let t=!1;try{await navigator.clipboard.writeText(location.href),t=!0}catch{}d.note.textContent=`${t?"Link copied":"The address bar holds the link"} (${location.href.length} characters; the program is in the link, nothing is stored).`}function kr(){let e=()=>document.documentElement.dataset.theme==="dark"||!document.documentElement.dataset.theme&&matchMedia("(prefers-color-scheme: dark)").matches,t=()=>{d.theme.setAttribute("aria-pressed",String(e())),d.theme.textContent="Dark theme"};try{let n=localStorage.getItem("coderacer-theme");(n==="dark"||n==="light")&&(document.documentElement.dataset.theme=n)}catch{}t(),d.theme.addEventListener("click",()=>{let n=e()?"light":"dark";document.documentElement.dataset.theme=n;try{localStorage.setItem("coderacer-theme",n)}catch{}t()}),matchMedia("(prefers-color-scheme: dark)").addEventListener("change",t)}function Sr(){d.language.addEventListener("change",()=>Ae(d.language.value)),d.run.addEventListener("click",()=>xe()),d.stop.addEventListener("click",()=>pr()),d.share.addEventListener("click",()=>yr());for(let t of document.querySelectorAll('input[name="mode"]'))t.addEventListener("change",()=>Vt(we()));g("add-test").addEventListener("click",()=>H.add()),d.live.addEventListener("submit",t=>{var r;t.preventDefault();let n=d.line.value+`
`;d.line.value="",I("stdin",n),(r=f.session)==null||r.stdin(n)}),d.line.addEventListener("keydown",t=>{var n,r;!t.ctrlKey||t.metaKey||t.altKey||(t.key==="c"&&d.line.selectionStart===d.line.selectionEnd?((n=f.session)==null||n.signal("SIGINT"),t.preventDefault()):t.key==="d"&&((r=f.session)==null||r.endInput(),t.preventDefault()))}),d.eof.addEventListener("click",()=>{var t;return(t=f.session)==null?void 0:t.endInput()});let e=t=>{d.note.textContent=t};g("add-file").addEventListener("click",()=>{let t=prompt("New file name","");t!==null&&e(b.add(t.trim()))}),g("rename-file").addEventListener("click",()=>{let t=prompt("Rename file",b.current);t!==null&&e(b.rename(t.trim()))}),g("delete-file").addEventListener("click",()=>{confirm(`Delete ${b.current}?`)&&e(b.remove())}),document.addEventListener("keydown",t=>{t.key==="Enter"&&(t.ctrlKey||t.metaKey)&&!t.defaultPrevented&&(t.preventDefault(),xe())}),addEventListener("hashchange",async()=>{let t=await be(location.hash);t&&!f.busy&&qt(t)})}async function vr(){if(kr(),Sr(),H.load([]),!await dr())return;let e=location.hash.length>2?await be(location.hash):null;if(!e||!qt(e)){let t=Ce("python3")?"python3":f.runtimes[0].language;Ae(t),e?d.note.textContent=`The link's program is in ${String(e.language)}, which this server does not run.`:location.hash.length>2&&(d.note.textContent="The link's program could not be read.")}G(!1),S("Ready")}vr();
