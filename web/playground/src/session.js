// One interactive run over the WebSocket /api/v1/connect (docs/websocket.md):
// the execute message, stdin and signals in; runtime, stage, output, exit
// and result messages out.

export function connectURL() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/connect`;
}

// A wall time limit above the server's maximum is refused with this
// message; the session then asks again with the maximum.
const wallMax = /limits\.wallTimeMs \d+ exceeds the server maximum (\d+)/;

export class Session {
  // request: the execute fields; on: {runtime, stage, output, exit,
  // result, error, closed} callbacks. closeStdin ends the input at once.
  constructor(request, on, closeStdin) {
    this.request = request;
    this.on = on;
    this.closeStdin = closeStdin;
    this.done = false;
    this.open();
  }

  open() {
    this.gotResult = false;
    this.retry = false;
    const ws = new WebSocket(connectURL());
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "execute", ...this.request }));
      if (this.closeStdin) ws.send(JSON.stringify({ type: "stdinClose" }));
    };
    ws.onmessage = (ev) => this.message(ev.data);
    ws.onclose = (ev) => this.closed(ev);
  }

  message(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    switch (msg.type) {
      case "runtime": this.on.runtime(msg); break;
      case "stage": this.on.stage(msg.stage); break;
      case "stdout": case "stderr": this.on.output(msg.stage, msg.type, String(msg.data ?? "")); break;
      case "exit": this.on.exit(msg); break;
      case "result": this.gotResult = true; this.on.result(msg); break;
      case "error": this.error(String(msg.error ?? "error")); break;
    }
  }

  error(text) {
    const m = wallMax.exec(text);
    if (m && this.request.limits?.wallTimeMs && !this.retried) {
      this.retried = this.retry = true;
      this.request = { ...this.request, limits: { ...this.request.limits, wallTimeMs: Number(m[1]) } };
      return;
    }
    this.on.error(text);
  }

  closed(ev) {
    if (this.retry) {
      this.open();
      return;
    }
    this.done = true;
    this.on.closed(ev, this.gotResult);
  }

  send(msg) {
    if (!this.done && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  stdin(text) { this.send({ type: "stdin", data: text }); }
  endInput() { this.send({ type: "stdinClose" }); }
  signal(name) { this.send({ type: "signal", signal: name }); }

  // stop kills the program; before the session is open, it leaves.
  stop() {
    if (this.ws.readyState === WebSocket.OPEN) this.signal("SIGKILL");
    else this.abort();
  }

  // abort leaves: the server kills the program and frees its sandbox.
  abort() {
    this.done = true;
    this.ws.close();
  }
}
