// Judge mode: test cases (input and expected output) sent to
// POST /api/v1/judge, each shown with its verdict.
import { el, duration, bytes } from "./format.js";

export class Tests {
  constructor(list) {
    this.list = list; // the <ol>
    this.rows = [];
  }

  // load replaces the tests: [{stdin, expected}].
  load(tests) {
    this.rows = [];
    this.list.replaceChildren();
    for (const t of tests.length ? tests : [{ stdin: "", expected: "" }]) this.add(t.stdin, t.expected);
  }

  add(stdin = "", expected = "") {
    const n = this.rows.length + 1;
    const row = {
      stdin: el("textarea", { rows: 2, spellcheck: "false", "aria-label": `Test ${n} input`, placeholder: "input" }),
      expected: el("textarea", { rows: 2, spellcheck: "false", "aria-label": `Test ${n} expected output`, placeholder: "expected output" }),
      verdict: el("span", { class: "verdict" }),
      detail: el("span", { class: "detail" }),
      preview: el("details", { hidden: true }),
    };
    row.stdin.value = stdin;
    row.expected.value = expected;
    const remove = el("button", { type: "button", "aria-label": `Remove test ${n}`, onclick: () => this.remove(row) }, "×");
    row.item = el("li", {},
      el("div", { class: "pair" }, row.stdin, row.expected),
      el("div", { class: "row" }, row.verdict, row.detail, el("span", { class: "grow" }), remove),
      row.preview);
    this.rows.push(row);
    this.list.append(row.item);
  }

  remove(row) {
    if (this.rows.length === 1) return;
    this.rows = this.rows.filter((r) => r !== row);
    row.item.remove();
    this.rows.forEach((r, i) => {
      r.stdin.setAttribute("aria-label", `Test ${i + 1} input`);
      r.expected.setAttribute("aria-label", `Test ${i + 1} expected output`);
    });
  }

  values() {
    return this.rows.map((r) => ({ stdin: r.stdin.value, expected: r.expected.value }));
  }

  clear() {
    for (const r of this.rows) {
      r.verdict.textContent = "";
      r.verdict.className = "verdict";
      r.detail.textContent = "";
      r.preview.hidden = true;
      r.preview.replaceChildren();
    }
  }

  // show puts each test's verdict of a judge answer beside it.
  show(tests) {
    (Array.isArray(tests) ? tests : []).forEach((t, i) => {
      const r = this.rows[i];
      if (!r || !t) return;
      r.verdict.textContent = String(t.verdict ?? "?");
      r.verdict.className = `verdict ${t.verdict}`;
      r.detail.textContent = [duration(t.cpuTime) + " CPU", bytes(t.memory), t.message].filter(Boolean).join(" · ");
      if (t.verdict !== "AC") {
        r.preview.replaceChildren(el("summary", {}, "Output"), el("pre", {}, String(t.stdout ?? "")),
          ...(t.stderr ? [el("pre", { class: "stderr" }, String(t.stderr))] : []));
        r.preview.hidden = false;
      }
    });
  }
}

// judge posts the request and returns [status code, answer].
export async function judge(request, signal) {
  const resp = await fetch("/api/v1/judge", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request), signal,
  });
  let body;
  try {
    body = await resp.json();
  } catch {
    body = { error: `HTTP ${resp.status}` };
  }
  return [resp.status, body];
}
