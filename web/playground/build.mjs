// Builds the playground: src/ bundled and minified by esbuild into
// ../../internal/playground/dist/ (committed; go:embed serves it). Run by
// scripts/playground.sh after `npm ci`.
//
// The script and style get content-hashed names, written into index.html,
// so the server lets browsers keep them for good; the syntax modes are
// split into chunks loaded on first use. SOURCE_HASH records the sources
// built (internal/playground's test compares it with the tree).
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, rmSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join, dirname, basename, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "internal", "playground", "dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(here, "src", "main.js"), join(here, "src", "main.css")],
  absWorkingDir: here, outdir: out, bundle: true, minify: true, splitting: true, format: "esm",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  entryNames: "[name]-[hash]", chunkNames: "c-[hash]",
  legalComments: "none", metafile: true, logLevel: "warning", charset: "utf8",
});

// The entry points' built names, into index.html.
const built = {};
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  if (info.entryPoint) built[basename(info.entryPoint)] = basename(file);
}
let html = readFileSync(join(here, "src", "index.html"), "utf8");
for (const [src, name] of Object.entries(built)) html = html.replace(`/playground/${src}`, `/playground/${name}`);
writeFileSync(join(out, "index.html"), html);

writeFileSync(join(out, "THIRD_PARTY_LICENSES.txt"), licenses(result.metafile));
writeFileSync(join(out, "SOURCE_HASH"), sourceHash() + "\n");

let total = 0;
for (const f of readdirSync(out).sort()) {
  const size = statSync(join(out, f)).size;
  total += size;
  console.log(`${String(size).padStart(8)}  ${f}`);
}
console.log(`${String(total).padStart(8)}  total in ${relative(process.cwd(), out)}`);

// licenses gathers the license of every npm package bundled (CodeMirror,
// Lezer and their dependencies are MIT: the notice travels with the code).
function licenses(meta) {
  const pkgs = new Set();
  for (const input of Object.keys(meta.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) pkgs.add(m[1]);
  }
  let text = "Third-party software bundled into the playground's scripts:\n";
  for (const pkg of [...pkgs].sort()) {
    const dir = join(here, "node_modules", pkg);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    text += `\n== ${pkg} ${meta.version} (${meta.license})\n\n`;
    text += file ? readFileSync(join(dir, file), "utf8").trim() + "\n" : `License: ${meta.license}\n`;
  }
  return text;
}

// sourceHash is the SHA-256 of what the build reads: src/*, build.mjs and
// the lock file, each as "name\0content\0" in name order.
export function sourceHash() {
  const h = createHash("sha256");
  const names = readdirSync(join(here, "src")).sort().map((f) => `src/${f}`);
  for (const name of [...names, "build.mjs", "package-lock.json"]) {
    h.update(name + "\0");
    h.update(readFileSync(join(here, name)));
    h.update("\0");
  }
  return h.digest("hex");
}
