// The playground at GET / in a real browser: Debian's Chromium driven by
// playwright-core, against the server PLAYGROUND_URL names (started by
// playground_test.go). Controls are found by their accessible names only
// (Language, Run, Input, Output, Status, ...), as a screen reader would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = process.env.PLAYGROUND_URL;
const screenshot = process.env.PLAYGROUND_SCREENSHOT; // a path, or unset
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const timeout = 20000;

let browser, context;
const problems = []; // console errors, CSP violations, page errors

before(async () => {
  assert.ok(base, "PLAYGROUND_URL is not set");
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
  context = await browser.newContext({ viewport: { width: 1280, height: 760 }, colorScheme: "light" });
  context.setDefaultTimeout(timeout);
});

after(async () => {
  await browser?.close();
});

async function open(url = base + "/") {
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation",
    (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.target?.outerHTML?.slice(0, 200)}`)));
  await page.goto(url);
  await expectText(page.getByRole("status", { name: "Status" }), /Ready/);
  return page;
}

// expectText waits until locator's text matches re.
async function expectText(locator, re, ms = timeout) {
  const end = Date.now() + ms;
  let text = "";
  while (Date.now() < end) {
    text = (await locator.textContent()) ?? "";
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  const out = await locator.page().locator("#out").textContent();
  const st = await locator.page().locator("#status").textContent();
  assert.fail(`expected ${re} in ${JSON.stringify(text)} (output ${JSON.stringify(out)}, status ${JSON.stringify(st)})`);
}

// setCode replaces the open file's text in the editor.
async function setCode(page, code) {
  await page.getByRole("textbox", { name: "Code" }).click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(code);
}

const output = (page) => page.getByRole("region", { name: "Output" });
const status = (page) => page.getByRole("status", { name: "Status" });

test("load, pick Python, run hello world", async () => {
  const page = await open();
  const picker = page.getByRole("combobox", { name: "Language", exact: true });
  const languages = await picker.locator("option").evaluateAll((os) => os.map((o) => o.value));
  assert.ok(languages.includes("python3") && languages.includes("c"), `languages: ${languages}`);
  await picker.selectOption("c");
  await picker.selectOption("python3");
  await expectText(page.getByRole("textbox", { name: "Code" }), /print\("Hello, World!"\)/);
  assert.equal(await page.getByRole("tab", { selected: true }).textContent(), "main.py");
  await page.getByRole("button", { name: "Run" }).click();
  await expectText(output(page), /Hello, World!/);
  const s = await expectText(status(page), /^OK · exit code 0 · CPU .* · wall .* · memory .*MiB/);
  console.log(`status: ${s}`);
  await page.close();
});

test("stdin, arguments and stderr; Ctrl+Enter runs", async () => {
  const page = await open();
  await setCode(page, "import sys\nprint(sys.stdin.read().upper(), sys.argv[1:])\nprint('oops', file=sys.stderr)\nsys.exit(3)\n");
  await page.getByRole("textbox", { name: "Input" }).fill("hi there");
  await page.getByRole("textbox", { name: "Arguments" }).fill(`a "b c"`);
  await page.getByRole("textbox", { name: "Code" }).press("ControlOrMeta+Enter");
  // stdout and stderr are two pipes: their writes may interleave, even
  // within a line (unbuffered print writes each argument apart). The
  // result comes after all output; then each stream's text is checked.
  await expectText(status(page), /^RE · exit code 3/);
  const text = async (cls) => (await output(page).locator(cls).allTextContents()).join("");
  assert.equal(await text(".stdout"), "HI THERE ['a', 'b c']\n");
  assert.equal(await text(".stderr"), "oops\n");
  await page.close();
});

test("a compile error in C shows the compiler's message", async () => {
  const page = await open();
  await page.getByRole("combobox", { name: "Language", exact: true }).selectOption("c");
  await expectText(page.getByRole("textbox", { name: "Code" }), /Hello, World!/);
  await setCode(page, "int main(void) {\n    return undeclared_thing;\n}\n");
  await page.getByRole("button", { name: "Run" }).click();
  await expectText(status(page), /^CE · compilation failed/);
  const text = await expectText(output(page), /undeclared_thing.*undeclared|error/s);
  assert.match(text, /main\.c:2/);
  await page.close();
});

test("an interactive program echoes the lines typed", async () => {
  const page = await open();
  await setCode(page, "import sys\nfor line in sys.stdin: print('echo:', line.strip())\nprint('bye')\n");
  const sockets = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  await page.getByRole("button", { name: "Run" }).click();
  const line = page.getByRole("textbox", { name: "Program input" });
  await expectText(status(page), /Running…/);
  await line.fill("hello racer");
  await line.press("Enter");
  await expectText(output(page), /echo: hello racer\n/);
  await line.fill("second");
  await line.press("Enter");
  await expectText(output(page), /echo: second\n/);
  await page.getByRole("button", { name: "End input" }).click();
  await expectText(output(page), /bye\n/);
  await expectText(status(page), /^OK · exit code 0/);
  assert.ok(await line.isHidden(), "the input line stays after the run");
  // The server's run wall-time maximum is 20 s (main_test.go): the page's
  // 30 s was refused, and its second try, at 20 s, ran.
  assert.equal(sockets.length, 2, `WebSocket sessions: ${sockets}`);
  await page.close();
});

test("Stop kills a long program", async () => {
  const page = await open();
  await setCode(page, "import time\nprint('started')\ntime.sleep(60)\n");
  const started = Date.now();
  await page.getByRole("button", { name: "Run" }).click();
  await expectText(output(page), /started/);
  await page.getByRole("button", { name: "Stop" }).click();
  const s = await expectText(status(page), /^SG · .*SIGKILL/);
  assert.ok(Date.now() - started < 15000, `stopping took ${Date.now() - started} ms`);
  assert.ok(await page.getByRole("button", { name: "Run" }).isEnabled());
  assert.ok(await page.getByRole("button", { name: "Stop" }).isDisabled());
  console.log(`stopped: ${s}`);
  await page.close();
});

test("judge mode gives each test its verdict", async () => {
  const page = await open();
  await setCode(page, "a, b = map(int, input().split())\nprint(a + b)\n");
  await page.getByRole("radio", { name: "Judge" }).check();
  await page.getByRole("textbox", { name: "Test 1 input" }).fill("1 2");
  await page.getByRole("textbox", { name: "Test 1 expected output" }).fill("3");
  await page.getByRole("button", { name: "+ Test" }).click();
  await page.getByRole("textbox", { name: "Test 2 input" }).fill("2 2");
  await page.getByRole("textbox", { name: "Test 2 expected output" }).fill("5");
  await page.getByRole("button", { name: "Run" }).click();
  await expectText(status(page), /^WA · 1\/2 tests passed/);
  const verdicts = await page.locator("#tests .verdict").allTextContents();
  assert.deepEqual(verdicts, ["AC", "WA"]);

  // Stop cancels a judge that takes long.
  await setCode(page, "import time\ntime.sleep(2)\n");
  await page.getByRole("button", { name: "Run" }).click();
  await expectText(status(page), /^Judging 2 tests/);
  await page.getByRole("button", { name: "Stop" }).click();
  await expectText(status(page), /^Stopped: the judge was cancelled/);
  assert.ok(await page.getByRole("button", { name: "Run" }).isEnabled());
  await page.close();
});

test("a share link holds the program; files and entrypoint", async () => {
  const page = await open();
  page.on("dialog", (d) => d.accept("util.py"));
  await page.getByRole("button", { name: "+ File" }).click();
  await expectText(page.getByRole("tab", { selected: true }), /^util\.py$/);
  await setCode(page, "WORD = 'shared'\n");
  await page.getByRole("tab", { name: "main.py" }).click();
  await setCode(page, "from util import WORD\nprint(WORD)\n");
  await page.getByRole("textbox", { name: "Arguments" }).fill("x y");
  await page.getByRole("button", { name: "Share" }).click();
  await expectText(page.locator("#note"), /characters/);
  const url = page.url();
  assert.match(url, /#[zp][A-Za-z0-9_-]+$/);
  await page.close();

  const copy = await open(url);
  assert.deepEqual(await copy.getByRole("tab").allTextContents(), ["main.py", "util.py"]);
  assert.equal(await copy.getByRole("combobox", { name: "Entrypoint" }).inputValue(), "main.py");
  assert.equal(await copy.getByRole("textbox", { name: "Arguments" }).inputValue(), "x y");
  await copy.getByRole("button", { name: "Run" }).click();
  await expectText(output(copy), /^shared\n$/);
  await copy.close();

  const broken = await open(base + "/#zNotAProgram");
  await expectText(broken.locator("#note"), /could not be read/);
  await broken.close();

  // A link made elsewhere ("#p": plain JSON), of a language this server lacks.
  const foreign = Buffer.from(JSON.stringify({ language: "cobra", files: [{ name: "x", content: "y" }] })).toString("base64url");
  const other = await open(`${base}/#p${foreign}`);
  await expectText(other.locator("#note"), /in cobra, which this server does not run/);
  assert.equal(await other.getByRole("combobox", { name: "Language", exact: true }).inputValue(), "python3");
  await other.close();
});

test("themes, a phone's screen, and the screenshot", async () => {
  const page = await open();
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  await page.getByRole("button", { name: "Dark theme" }).click();
  assert.equal(await page.getByRole("button", { name: "Dark theme" }).getAttribute("aria-pressed"), "true");
  assert.notEqual(await bg(), light);
  if (screenshot) {
    await page.getByRole("button", { name: "Dark theme" }).click(); // back to light for the README
    await setCode(page, "import sys\n\nname = input('Your name? ')\nprint(f'Hello, {name}!')\nprint('to stderr', file=sys.stderr)\n");
    await page.getByRole("textbox", { name: "Input" }).fill("Racer");
    await page.getByRole("button", { name: "Run" }).click();
    await expectText(status(page), /^OK/);
    await page.screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone's screen`);
  assert.ok(await page.getByRole("button", { name: "Run" }).isVisible());
  await page.getByRole("button", { name: "Run" }).click();
  await expectText(status(page), /^OK|^RE/);
  await page.close();
  // Last: every page of the run had no console error or CSP violation.
  assert.deepEqual(problems, []);
});
