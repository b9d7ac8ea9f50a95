// Syntax modes by language name (GET /api/v1/runtimes' "language"). Each
// is loaded when first picked (esbuild splits them into their own
// chunks), so the page starts with the editor alone. Lezer grammars for
// the common languages, CodeMirror 5's modes (@codemirror/legacy-modes)
// for the rest; a language without one is edited as plain text.
import { StreamLanguage } from "@codemirror/language";

const legacy = (load, pick) => async () => StreamLanguage.define(pick(await load()));

const loaders = {
  c: async () => (await import("@codemirror/lang-cpp")).cpp(),
  "c++": async () => (await import("@codemirror/lang-cpp")).cpp(),
  python3: async () => (await import("@codemirror/lang-python")).python(),
  node: async () => (await import("@codemirror/lang-javascript")).javascript(),
  typescript: async () => (await import("@codemirror/lang-javascript")).javascript({ typescript: true }),
  java: async () => (await import("@codemirror/lang-java")).java(),
  go: async () => (await import("@codemirror/lang-go")).go(),
  rust: async () => (await import("@codemirror/lang-rust")).rust(),

  bash: legacy(() => import("@codemirror/legacy-modes/mode/shell"), (m) => m.shell),
  brainfuck: legacy(() => import("@codemirror/legacy-modes/mode/brainfuck"), (m) => m.brainfuck),
  clojure: legacy(() => import("@codemirror/legacy-modes/mode/clojure"), (m) => m.clojure),
  cobol: legacy(() => import("@codemirror/legacy-modes/mode/cobol"), (m) => m.cobol),
  coffeescript: legacy(() => import("@codemirror/legacy-modes/mode/coffeescript"), (m) => m.coffeeScript),
  crystal: legacy(() => import("@codemirror/legacy-modes/mode/crystal"), (m) => m.crystal),
  csharp: legacy(() => import("@codemirror/legacy-modes/mode/clike"), (m) => m.csharp),
  d: legacy(() => import("@codemirror/legacy-modes/mode/d"), (m) => m.d),
  elixir: legacy(() => import("@codemirror/legacy-modes/mode/ruby"), (m) => m.ruby),
  erlang: legacy(() => import("@codemirror/legacy-modes/mode/erlang"), (m) => m.erlang),
  forth: legacy(() => import("@codemirror/legacy-modes/mode/forth"), (m) => m.forth),
  fortran: legacy(() => import("@codemirror/legacy-modes/mode/fortran"), (m) => m.fortran),
  groovy: legacy(() => import("@codemirror/legacy-modes/mode/groovy"), (m) => m.groovy),
  haskell: legacy(() => import("@codemirror/legacy-modes/mode/haskell"), (m) => m.haskell),
  kotlin: legacy(() => import("@codemirror/legacy-modes/mode/clike"), (m) => m.kotlin),
  lisp: legacy(() => import("@codemirror/legacy-modes/mode/commonlisp"), (m) => m.commonLisp),
  lua: legacy(() => import("@codemirror/legacy-modes/mode/lua"), (m) => m.lua),
  nasm: legacy(() => import("@codemirror/legacy-modes/mode/gas"), (m) => m.gas),
  nasm64: legacy(() => import("@codemirror/legacy-modes/mode/gas"), (m) => m.gas),
  nim: legacy(() => import("@codemirror/legacy-modes/mode/python"), (m) => m.python),
  "objective-c": legacy(() => import("@codemirror/legacy-modes/mode/clike"), (m) => m.objectiveC),
  ocaml: legacy(() => import("@codemirror/legacy-modes/mode/mllike"), (m) => m.oCaml),
  octave: legacy(() => import("@codemirror/legacy-modes/mode/octave"), (m) => m.octave),
  pascal: legacy(() => import("@codemirror/legacy-modes/mode/pascal"), (m) => m.pascal),
  perl: legacy(() => import("@codemirror/legacy-modes/mode/perl"), (m) => m.perl),
  php: legacy(() => import("@codemirror/legacy-modes/mode/clike"), (m) => m.c),
  prolog: legacy(() => import("@codemirror/legacy-modes/mode/erlang"), (m) => m.erlang),
  racket: legacy(() => import("@codemirror/legacy-modes/mode/scheme"), (m) => m.scheme),
  raku: legacy(() => import("@codemirror/legacy-modes/mode/perl"), (m) => m.perl),
  rscript: legacy(() => import("@codemirror/legacy-modes/mode/r"), (m) => m.r),
  ruby: legacy(() => import("@codemirror/legacy-modes/mode/ruby"), (m) => m.ruby),
  scala: legacy(() => import("@codemirror/legacy-modes/mode/clike"), (m) => m.scala),
  scheme: legacy(() => import("@codemirror/legacy-modes/mode/scheme"), (m) => m.scheme),
  sqlite3: legacy(() => import("@codemirror/legacy-modes/mode/sql"), (m) => m.sqlite),
  tcl: legacy(() => import("@codemirror/legacy-modes/mode/tcl"), (m) => m.tcl),
};

const cache = new Map();

// languageSupport resolves to the CodeMirror extension for language (its
// name or, failing that, one of its aliases), or [] (plain text).
export function languageSupport(language, aliases = []) {
  const name = [language, ...aliases].find((n) => Object.hasOwn(loaders, n));
  if (!name) return Promise.resolve([]);
  if (!cache.has(name)) {
    cache.set(name, loaders[name]().catch((err) => {
      cache.delete(name);
      console.warn(`syntax mode of ${name} failed to load`, err);
      return [];
    }));
  }
  return cache.get(name);
}
