// The playground at GET /: pick a language, edit, run over the WebSocket
// (output live, stdin typed while it runs, Stop), or judge against tests.
import { Editor } from "./editor.js";
import { Files } from "./files.js";
import { Tests, judge } from "./judge.js";
import { Session } from "./session.js";
import { encode, decode } from "./share.js";
import { languageSupport } from "./modes.js";
import { duration, bytes, splitArgs } from "./format.js";
import templates from "./templates.json";

const $ = (id) => document.getElementById(id);
const ui = {
  language: $("language"), run: $("run"), stop: $("stop"), share: $("share"), theme: $("theme"),
  stdin: $("stdin"), args: $("args"), out: $("out"), output: $("output"), status: $("status"),
  live: $("live"), line: $("line"), eof: $("eof"), note: $("note"), compare: $("compare"),
  runInputs: $("run-inputs"), judgeInputs: $("judge-inputs"),
};

// Interactive runs (no Input given) may wait for the user this long; the
// server's maximum wins when it is lower (session.js asks again).
const interactiveWallMs = 30000;

const editor = new Editor($("editor"), () => run());
const files = new Files(editor, $("tabs"), $("entrypoint"));
const tests = new Tests($("tests"));
const state = { runtimes: [], language: "", stash: new Map(), session: null, busy: false };

// template returns the starting program of a runtime: the hello world of
// templates.json (by language, then alias), else an empty file named
// main.<shortest alias>, a guess at the extension.
function template(rt) {
  const known = [rt.language, ...(rt.aliases ?? [])].find((n) => Object.hasOwn(templates, n));
  if (known) return { files: [{ name: templates[known].entrypoint, content: templates[known].code }], entrypoint: templates[known].entrypoint };
  const ext = [rt.language, ...(rt.aliases ?? [])].filter((n) => /^[a-z0-9]{1,5}$/.test(n))
    .sort((a, b) => a.length - b.length)[0];
  const name = ext ? `main.${ext}` : "main";
  return { files: [{ name, content: "" }], entrypoint: name };
}

function runtime(language) {
  return state.runtimes.find((r) => r.language === language);
}

// switchLanguage keeps the current program for when the user comes back
// and shows the one of language (what was kept, else its template).
function switchLanguage(language, program) {
  if (state.language) state.stash.set(state.language, { files: files.contents(), entrypoint: files.entrypoint });
  const rt = runtime(language);
  state.language = language;
  ui.language.value = language;
  const p = program ?? state.stash.get(language) ?? template(rt);
  files.load(p.files, p.entrypoint);
  languageSupport(language, rt?.aliases).then((support) => {
    if (state.language === language) files.setLanguage(support);
  });
}

async function loadRuntimes() {
  try {
    const resp = await fetch("/api/v1/runtimes");
    const list = await resp.json();
    if (!resp.ok || !Array.isArray(list)) throw new Error(list?.error ?? `HTTP ${resp.status}`);
    state.runtimes = list.filter((r) => r && typeof r.language === "string");
  } catch (err) {
    setStatus(`Cannot list the runtimes: ${err.message}`, "bad");
    return false;
  }
  const options = state.runtimes.map((r) => {
    const o = document.createElement("option");
    o.value = r.language;
    o.textContent = `${r.language} ${r.version ?? ""}`.trim();
    return o;
  });
  ui.language.replaceChildren(...options);
  ui.language.disabled = state.runtimes.length === 0;
  return state.runtimes.length > 0;
}

function setStatus(text, kind = "") {
  ui.status.textContent = text;
  ui.status.className = `status ${kind}`;
}

// print appends output; cls is stdout, stderr, compile, stdin or info.
function print(cls, text) {
  const last = ui.out.lastElementChild;
  if (last && last.className === cls) last.textContent += text;
  else {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    ui.out.append(span);
  }
  ui.output.scrollTop = ui.output.scrollHeight;
}

function setBusy(busy, interactive = false) {
  state.busy = busy;
  ui.run.disabled = busy || state.runtimes.length === 0;
  ui.stop.disabled = !busy;
  ui.live.hidden = !(busy && interactive);
  ui.language.disabled = busy || state.runtimes.length === 0;
}

function submission() {
  return { language: state.language, entrypoint: files.entrypoint, files: files.contents(), args: splitArgs(ui.args.value) };
}

function run() {
  if (state.busy || !state.language) return;
  ui.out.replaceChildren();
  if (mode() === "judge") return runJudge();
  const interactive = ui.stdin.value === "";
  const request = { ...submission() };
  if (interactive) request.limits = { wallTimeMs: interactiveWallMs };
  else request.stdin = ui.stdin.value;
  setStatus("Connecting…");
  setBusy(true, interactive);
  state.session = new Session(request, handlers(), !interactive);
  if (interactive) ui.line.focus();
}

// handlers turn the session's messages into output and status.
function handlers() {
  let compileOutput = false; // the compiler's output came as messages
  return {
    runtime: (m) => setStatus(`Running on ${m.language} ${m.version}…`),
    stage: (stage) => setStatus(stage === "compile" ? "Compiling…" : "Running…"),
    output: (stage, stream, data) => {
      if (stage === "compile") compileOutput = true;
      print(stage === "compile" ? "compile" : stream, data);
    },
    exit: () => {},
    result: (r) => showResult(r, compileOutput),
    error: (text) => {
      print("stderr", `${text}\n`);
      setStatus(`Error: ${text}`, "bad");
    },
    closed: (ev, gotResult) => {
      setBusy(false);
      state.session = null;
      if (!gotResult && !ui.status.classList.contains("bad")) {
        setStatus(`Connection closed (${ev.code}${ev.reason ? " " + ev.reason : ""}) before the result`, "bad");
      }
    },
  };
}

function showResult(r, compileOutput) {
  if (r.status === "CE") {
    // A server that did not stream the compiler's output still has it in
    // the result.
    if (!compileOutput) print("compile", `${r.compile?.stderr ?? r.stderr ?? ""}${r.compile?.stdout ?? ""}`);
    setStatus(`CE · compilation failed · exit code ${r.compile?.exitCode ?? r.exitCode}`, "bad");
    return;
  }
  const parts = [r.status, r.message, `exit code ${r.exitCode}`,
    `CPU ${duration(r.cpuTime)}`, `wall ${duration(r.wallTime)}`, `memory ${bytes(r.memory)}`];
  if (r.stdoutTruncated || r.stderrTruncated) parts.push("output truncated");
  setStatus(parts.filter((p) => p !== undefined && p !== "").join(" · "), r.status === "OK" ? "ok" : "bad");
}

async function runJudge() {
  const values = tests.values();
  const request = {
    ...submission(), compare: { mode: ui.compare.value },
    tests: values.map((t, i) => ({ name: String(i + 1), stdin: t.stdin, expectedOutput: t.expected })),
  };
  tests.clear();
  setBusy(true);
  const abort = new AbortController();
  state.stopJudge = () => abort.abort();
  setStatus(`Judging ${values.length} test${values.length === 1 ? "" : "s"}…`);
  try {
    const [code, r] = await judge(request, abort.signal);
    if (code !== 200) {
      print("stderr", `${r.error ?? "error"}\n`);
      setStatus(`Error: ${r.error ?? code}`, "bad");
      return;
    }
    if (r.status === "CE") {
      print("compile", `${r.compile?.stderr ?? ""}${r.compile?.stdout ?? ""}`);
      setStatus("CE · compilation failed", "bad");
      return;
    }
    tests.show(r.tests);
    setStatus(`${r.status} · ${r.passed}/${r.total} tests passed · max CPU ${duration(r.maxCpuTime)} · max memory ${bytes(r.maxMemory)}`,
      r.status === "AC" ? "ok" : "bad");
  } catch (err) {
    setStatus(abort.signal.aborted ? "Stopped: the judge was cancelled" : `Error: ${err.message}`, "bad");
  } finally {
    state.stopJudge = null;
    setBusy(false);
  }
}

// stop kills the running program (SIGKILL), or cancels the judge.
function stop() {
  if (state.stopJudge) state.stopJudge();
  else if (state.session) {
    state.session.stop();
    setStatus("Stopping…");
  }
}

function mode() {
  return document.querySelector('input[name="mode"]:checked')?.value ?? "run";
}

function setMode(m) {
  const radio = document.querySelector(`input[name="mode"][value="${m === "judge" ? "judge" : "run"}"]`);
  radio.checked = true;
  ui.runInputs.hidden = m === "judge";
  ui.judgeInputs.hidden = m !== "judge";
}

// The program as a share link holds: language, files, entrypoint, input,
// arguments, mode and tests.
function program() {
  return {
    language: state.language, entrypoint: files.entrypoint, files: files.contents(),
    stdin: ui.stdin.value, args: ui.args.value, mode: mode(), compare: ui.compare.value, tests: tests.values(),
  };
}

// apply shows a shared program, checking each field's type: the fragment
// is whatever someone put in a link.
function apply(p) {
  if (!runtime(p.language)) return false;
  const str = (v) => (typeof v === "string" ? v : "");
  const list = Array.isArray(p.files) ? p.files.filter((f) => f && typeof f.name === "string" && f.name) : [];
  switchLanguage(p.language, list.length ? { files: list.map((f) => ({ name: f.name, content: str(f.content) })), entrypoint: str(p.entrypoint) } : undefined);
  ui.stdin.value = str(p.stdin);
  ui.args.value = str(p.args);
  if (["lines", "exact", "tokens", "float"].includes(p.compare)) ui.compare.value = p.compare;
  const t = Array.isArray(p.tests) ? p.tests.filter((x) => x && typeof x === "object") : [];
  tests.load(t.map((x) => ({ stdin: str(x.stdin), expected: str(x.expected) })));
  setMode(p.mode);
  return true;
}

async function share() {
  const hash = await encode(program());
  history.replaceState(null, "", hash);
  let copied = false;
  try {
    await navigator.clipboard.writeText(location.href);
    copied = true;
  } catch {
    // No clipboard (an insecure origin, or refused): the address bar has it.
  }
  ui.note.textContent = `${copied ? "Link copied" : "The address bar holds the link"} (${location.href.length} characters; the program is in the link, nothing is stored).`;
}

// The theme: the system's unless the user chose one (kept in localStorage).
function initTheme() {
  const dark = () => document.documentElement.dataset.theme === "dark" ||
    (!document.documentElement.dataset.theme && matchMedia("(prefers-color-scheme: dark)").matches);
  const label = () => {
    ui.theme.setAttribute("aria-pressed", String(dark()));
    ui.theme.textContent = "Dark theme";
  };
  try {
    const saved = localStorage.getItem("coderacer-theme");
    if (saved === "dark" || saved === "light") document.documentElement.dataset.theme = saved;
  } catch { /* storage may be off */ }
  label();
  ui.theme.addEventListener("click", () => {
    const next = dark() ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem("coderacer-theme", next); } catch { /* storage may be off */ }
    label();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", label);
}

function wire() {
  ui.language.addEventListener("change", () => switchLanguage(ui.language.value));
  ui.run.addEventListener("click", () => run());
  ui.stop.addEventListener("click", () => stop());
  ui.share.addEventListener("click", () => share());
  for (const r of document.querySelectorAll('input[name="mode"]')) r.addEventListener("change", () => setMode(mode()));
  $("add-test").addEventListener("click", () => tests.add());
  ui.live.addEventListener("submit", (e) => {
    e.preventDefault();
    const line = ui.line.value + "\n";
    ui.line.value = "";
    print("stdin", line);
    state.session?.stdin(line);
  });
  ui.line.addEventListener("keydown", (e) => {
    if (!e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "c" && ui.line.selectionStart === ui.line.selectionEnd) {
      state.session?.signal("SIGINT");
      e.preventDefault();
    } else if (e.key === "d") {
      state.session?.endInput();
      e.preventDefault();
    }
  });
  ui.eof.addEventListener("click", () => state.session?.endInput());
  const note = (why) => { ui.note.textContent = why; };
  $("add-file").addEventListener("click", () => {
    const name = prompt("New file name", "");
    if (name !== null) note(files.add(name.trim()));
  });
  $("rename-file").addEventListener("click", () => {
    const name = prompt("Rename file", files.current);
    if (name !== null) note(files.rename(name.trim()));
  });
  $("delete-file").addEventListener("click", () => {
    if (confirm(`Delete ${files.current}?`)) note(files.remove());
  });
  // Ctrl/Cmd+Enter runs from anywhere on the page (the editor has its own).
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
      e.preventDefault();
      run();
    }
  });
  addEventListener("hashchange", async () => {
    const p = await decode(location.hash);
    if (p && !state.busy) apply(p);
  });
}

async function start() {
  initTheme();
  wire();
  tests.load([]);
  if (!(await loadRuntimes())) return;
  const shared = location.hash.length > 2 ? await decode(location.hash) : null;
  if (!shared || !apply(shared)) {
    const first = runtime("python3") ? "python3" : state.runtimes[0].language;
    switchLanguage(first);
    if (shared) ui.note.textContent = `The link's program is in ${String(shared.language)}, which this server does not run.`;
    else if (location.hash.length > 2) ui.note.textContent = "The link's program could not be read.";
  }
  setBusy(false);
  setStatus("Ready");
}

start();
