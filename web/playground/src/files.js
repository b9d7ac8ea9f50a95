// The program's files: tabs over one editor, and the entrypoint picker.
import { el } from "./format.js";

export class Files {
  constructor(editor, tabs, entrySelect) {
    this.editor = editor;
    this.tabs = tabs;
    this.entrySelect = entrySelect;
    this.list = []; // {name, state}; the active one's state lives in the view
    this.active = 0;
    this.entrypoint = "";
    entrySelect.addEventListener("change", () => { this.entrypoint = entrySelect.value; });
  }

  // load replaces the files: [{name, content}], entrypoint.
  load(files, entrypoint) {
    this.list = files.map((f) => ({ name: f.name, state: this.editor.newState(f.content) }));
    if (this.list.length === 0) this.list.push({ name: "main", state: this.editor.newState("") });
    this.entrypoint = this.list.some((f) => f.name === entrypoint) ? entrypoint : this.list[0].name;
    this.active = Math.max(0, this.list.findIndex((f) => f.name === this.entrypoint));
    this.editor.show(this.list[this.active].state);
    this.render();
  }

  // contents returns [{name, content}] of every file, the open one included.
  contents() {
    this.list[this.active].state = this.editor.state;
    return this.list.map((f) => ({ name: f.name, content: f.state.doc.toString() }));
  }

  select(i) {
    if (i === this.active || i < 0 || i >= this.list.length) return;
    this.list[this.active].state = this.editor.state;
    this.active = i;
    this.editor.show(this.list[i].state);
    this.render();
  }

  // setLanguage re-highlights every file.
  setLanguage(support) {
    this.list[this.active].state = this.editor.state;
    const others = this.list.filter((_, i) => i !== this.active).map((f) => f.state);
    const updated = this.editor.setLanguage(support, others);
    let k = 0;
    this.list.forEach((f, i) => { f.state = i === this.active ? this.editor.state : updated[k++]; });
  }

  // problem tells what is wrong with name as a new file name, or "".
  problem(name, except = -1) {
    if (!name || !name.trim()) return "a file needs a name";
    if (name.startsWith("/") || name.split("/").includes("..")) return "a file name is relative and has no '..'";
    if (this.list.some((f, i) => i !== except && f.name === name)) return `there is already a file named ${name}`;
    return "";
  }

  add(name) {
    const why = this.problem(name);
    if (why) return why;
    this.list.push({ name, state: this.editor.newState("") });
    this.select(this.list.length - 1);
    this.render();
    return "";
  }

  rename(name) {
    const why = this.problem(name, this.active);
    if (why) return why;
    const f = this.list[this.active];
    if (this.entrypoint === f.name) this.entrypoint = name;
    f.name = name;
    this.render();
    return "";
  }

  remove() {
    if (this.list.length === 1) return "the program needs at least one file";
    const [gone] = this.list.splice(this.active, 1);
    if (this.entrypoint === gone.name) this.entrypoint = this.list[0].name;
    this.active = Math.min(this.active, this.list.length - 1);
    this.editor.show(this.list[this.active].state);
    this.render();
    return "";
  }

  get current() {
    return this.list[this.active].name;
  }

  render() {
    const tabs = this.list.map((f, i) => el("button", {
      type: "button", role: "tab", id: `tab-${i}`, "aria-selected": i === this.active ? "true" : "false",
      tabindex: i === this.active ? "0" : "-1", onclick: () => this.select(i), onkeydown: (e) => this.arrows(e, i),
    }, f.name));
    this.tabs.replaceChildren(...tabs);
    this.entrySelect.replaceChildren(...this.list.map((f) => el("option", { value: f.name }, f.name)));
    this.entrySelect.value = this.entrypoint;
    this.editor.view.dom.parentElement?.setAttribute("aria-labelledby", `tab-${this.active}`);
  }

  // arrows moves between tabs with the arrow keys (the ARIA tabs pattern).
  arrows(e, i) {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    const next = (i + step + this.list.length) % this.list.length;
    this.select(next);
    this.tabs.children[next]?.focus();
    e.preventDefault();
  }
}
