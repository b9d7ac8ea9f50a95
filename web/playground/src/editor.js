// The code editor: one CodeMirror view, one EditorState per file (a tab
// swaps the state in, so each file keeps its own undo history).
import { EditorState, Compartment, Prec } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { indentOnInput, bracketMatching, syntaxHighlighting } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";

export class Editor {
  // parent: the element to fill; onRun: called on Ctrl/Cmd+Enter.
  constructor(parent, onRun) {
    this.language = new Compartment();
    this.support = [];
    this.onRun = onRun;
    this.view = new EditorView({ parent, state: this.newState("") });
  }

  extensions() {
    return [
      lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(),
      drawSelection(), indentOnInput(), bracketMatching(), highlightActiveLine(),
      syntaxHighlighting(classHighlighter),
      Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { this.onRun(); return true; } }])),
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.contentAttributes.of({ "aria-label": "Code" }),
      EditorView.cspNonce.of(document.querySelector('meta[name="csp-nonce"]')?.content ?? ""),
      this.language.of(this.support),
    ];
  }

  // newState makes the state of a file holding text, in the current language.
  newState(text) {
    return EditorState.create({ doc: text, extensions: this.extensions() });
  }

  show(state) {
    this.view.setState(state);
  }

  get state() {
    return this.view.state;
  }

  // setLanguage switches the highlighting of the view and of the given
  // states (the other files); it returns those states, updated.
  setLanguage(support, states) {
    this.support = support;
    const effects = this.language.reconfigure(support);
    this.view.dispatch({ effects });
    return states.map((s) => s.update({ effects }).state);
  }

  focus() {
    this.view.focus();
  }
}
