// Regenerates src/templates.json, the playground's hello-world program per
// language, from the repository's own data: each runtime's entrypoint
// (runtimes/*.json) and its hello program (test/languages/testdata/
// LANG/hello.*). Run by hand (`node web/playground/templates.mjs`) when
// languages are added, then rebuild (scripts/playground.sh); the output
// is committed, so the build does not depend on those directories.
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = {};
for (const name of readdirSync(join(root, "runtimes")).sort()) {
  if (!name.endsWith(".json")) continue;
  const rt = JSON.parse(readFileSync(join(root, "runtimes", name), "utf8"));
  const dir = join(root, "test", "languages", "testdata", rt.language);
  const hello = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith("hello.")) : undefined;
  out[rt.language] = {
    entrypoint: rt.entrypoint || `main.${rt.extension}`,
    code: hello ? readFileSync(join(dir, hello), "utf8") : "",
  };
}
writeFileSync(join(here, "src", "templates.json"), JSON.stringify(out, null, 1) + "\n");
console.log(`templates.mjs: ${Object.keys(out).length} languages written to src/templates.json`);
