// Drives the real piston-client npm package (1.0.2) against a Code Racer
// server, with the defaults the package sends: no file name, args
// ["1", "2", "3"], compile_timeout 10000, run_timeout 3000 and memory
// limits of -1. Run by client_test.go (go test ./test/piston/), which
// starts the server and passes its URL in PISTON_URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import piston from "piston-client";

const server = process.env.PISTON_URL;
if (!server) {
  throw new Error("PISTON_URL is not set: run this through `go test ./test/piston/`");
}
const client = piston({ server });

// interleaves tells whether out is a and b merged, each in its order.
function interleaves(out, a, b) {
  if (out.length !== a.length + b.length) return false;
  let ok = new Array(b.length + 1).fill(false);
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 && j === 0) { ok[j] = true; continue; }
      const fromA = i > 0 && ok[j] && a[i - 1] === out[i + j - 1];
      const fromB = j > 0 && ok[j - 1] && b[j - 1] === out[i + j - 1];
      ok[j] = fromA || fromB;
    }
  }
  return ok[b.length];
}

// piston-client never throws: a transport failure is {success: false, error}.
function ok(result) {
  assert.ok(result && result.success !== false, `piston-client failed: ${result && result.error}`);
  return result;
}

test("runtimes lists Piston's language names with SemVer versions", async () => {
  const runtimes = ok(await client.runtimes());
  assert.ok(Array.isArray(runtimes) && runtimes.length > 0, "no runtimes");
  for (const rt of runtimes) {
    assert.equal(typeof rt.language, "string");
    assert.match(rt.version, /^\d+(\.\d+)*$/);
    assert.ok(Array.isArray(rt.aliases));
  }
  const python = runtimes.find((rt) => rt.language === "python");
  assert.ok(python, "no runtime called python");
  assert.ok(python.aliases.includes("python3"), `python's aliases: ${python.aliases}`);
  assert.equal(python.runtime, "python3");
  assert.ok(runtimes.find((rt) => rt.language === "c"), "no runtime called c");
});

test("execute with the package's defaults: args 1 2 3, empty stdin", async () => {
  const result = ok(await client.execute("python", "import sys\nprint(sys.argv[1:])\nprint(repr(sys.stdin.read()))"));
  assert.equal(result.language, "python");
  assert.match(result.version, /^3\./);
  assert.equal(result.compile, undefined, "python has no compile stage");
  const run = result.run;
  // Piston ends stdin with a newline: "" arrives as "\n".
  assert.equal(run.stdout, "['1', '2', '3']\n'\\n'\n");
  assert.equal(run.stderr, "");
  assert.equal(run.output, run.stdout);
  assert.equal(run.code, 0);
  assert.equal(run.signal, null);
  assert.equal(run.status, null);
  assert.equal(run.message, null);
  assert.equal(typeof run.cpu_time, "number");
  assert.equal(typeof run.wall_time, "number");
  assert.ok(run.memory > 0, `memory ${run.memory}`);
});

test("execute with stdin and args", async () => {
  const code = [
    "import sys",
    "data = sys.stdin.read()",
    "print(data.upper(), end='')",
    "print('|'.join(sys.argv[1:]), file=sys.stderr)",
    "sys.exit(3)",
  ].join("\n");
  const result = ok(await client.execute("python", code, { stdin: "hello\nworld\n", args: ["a", "b c"] }));
  const run = result.run;
  assert.equal(run.stdout, "HELLO\nWORLD\n");
  assert.equal(run.stderr, "a|b c\n");
  // Two pipes: each stream's order is kept, the two may cross.
  assert.ok(interleaves(run.output, run.stdout, run.stderr), `output ${JSON.stringify(run.output)}`);
  assert.equal(run.code, 3);
  assert.equal(run.status, "RE");
  assert.equal(run.signal, null);
});

test("execute with a config object and a named file", async () => {
  const result = ok(await client.execute({
    language: "javascript",
    version: "*",
    files: [{ name: "my_cool_code.js", content: "console.log(process.argv.slice(2).join(','))" }],
    args: ["x", "y"],
  }));
  assert.equal(result.language, "javascript");
  assert.equal(result.run.stdout, "x,y\n");
  assert.equal(result.run.code, 0);
});

test("a timeout: status TO, killed by SIGKILL", async () => {
  const result = ok(await client.execute("python", "while True:\n    pass", { runTimeout: 500 }));
  const run = result.run;
  assert.equal(run.status, "TO");
  assert.equal(run.signal, "SIGKILL");
  assert.equal(run.code, null);
  assert.match(run.message, /time limit/);
  assert.ok(run.wall_time > 0, `wall_time ${run.wall_time}`);
});

test("C without a file name compiles and runs", async () => {
  const result = ok(await client.execute("c", '#include <stdio.h>\nint main(void) { puts("hi from c"); return 0; }'));
  assert.equal(result.language, "c");
  assert.equal(result.compile.code, 0);
  assert.equal(result.compile.status, null);
  assert.equal(result.run.stdout, "hi from c\n");
  assert.equal(result.run.code, 0);
});

test("a compile error: run mirrors compile", async () => {
  const result = ok(await client.execute("c", "int main( {"));
  const compile = result.compile;
  assert.ok(compile, "no compile stage");
  assert.notEqual(compile.code, 0);
  assert.equal(compile.status, "RE");
  assert.match(compile.stderr, /error/);
  assert.equal(compile.output, compile.stderr);
  // Clients that read only run (piston-client's README does) see it too.
  assert.deepEqual(result.run, compile);
});

test("errors come back as Piston's {message}", async () => {
  const unknown = ok(await client.execute({ language: "python", version: "9.9.9", files: [{ content: "" }] }));
  assert.deepEqual(unknown, { message: "python-9.9.9 runtime is unknown" });
  // A language the runtimes list does not name: piston-client finds no
  // version to send.
  const noVersion = ok(await client.execute("no-such-language", "x"));
  assert.deepEqual(noVersion, { message: "version is required as a string" });
  const tooLong = ok(await client.execute("python", "", { runTimeout: 10_000_000 }));
  assert.match(tooLong.message, /^run_timeout cannot exceed the configured limit of \d+$/);
});
