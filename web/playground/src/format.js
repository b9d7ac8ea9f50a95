// Small helpers: durations, sizes, argument lists, DOM building.

const units = { ns: 1e-6, "µs": 1e-3, "μs": 1e-3, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

// durationMs parses a Go duration string ("1.5ms", "2m3.1s") into
// milliseconds; NaN when it is not one.
export function durationMs(text) {
  if (typeof text !== "string" || text === "") return NaN;
  const re = /([0-9]*\.?[0-9]+)(ns|µs|μs|us|ms|s|m|h)/y;
  let total = 0, end = 0, m;
  while ((m = re.exec(text))) {
    total += parseFloat(m[1]) * units[m[2]];
    end = re.lastIndex;
  }
  return end === text.length ? total : NaN;
}

// duration renders a Go duration string for people: "12 ms", "1.23 s".
export function duration(text) {
  const ms = durationMs(text);
  if (Number.isNaN(ms)) return String(text ?? "?");
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function bytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "?";
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

// splitArgs splits a command line as a shell would for words: white space
// separates, '...' and "..." quote, a backslash escapes the next character.
export function splitArgs(line) {
  const args = [];
  let cur = "", inWord = false, quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c; inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i]; inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(cur);
      cur = ""; inWord = false;
    } else {
      cur += c; inWord = true;
    }
  }
  if (inWord) args.push(cur);
  return args;
}

// el builds an element: el("button", {type: "button", class: "x"}, "text", child...).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  node.append(...children);
  return node;
}
