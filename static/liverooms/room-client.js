// The room protocol client (docs/protocol.md): one WebSocket per page, events in seq order,
// resume after a network drop from the last seq seen, reconnect with backoff.
const NO_RECONNECT = new Set([4003, 4004]);

export class RoomClient extends EventTarget {
  constructor(path) {
    super();
    this.path = path;
    this.lastSeq = null;
    this.retry = 0;
    this.refs = 0;
    this.closedByUs = false;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams();
    if (this.lastSeq !== null) query.set("since", this.lastSeq);
    if (document.documentElement.lang) query.set("lang", document.documentElement.lang); // chat.translated
    const search = query.toString() ? `?${query}` : "";
    this.socket = new WebSocket(`${scheme}://${location.host}${this.path}${search}`);
    this.socket.addEventListener("open", () => {
      this.retry = 0;
      this.emit("open", {});
    });
    this.socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    this.socket.addEventListener("close", (event) => {
      this.emit("close", { code: event.code });
      if (this.closedByUs || NO_RECONNECT.has(event.code)) return;
      const delay = Math.min(15000, 500 * 2 ** this.retry++) * (0.75 + Math.random() / 2);
      setTimeout(() => this.connect(), delay);
    });
  }

  receive(frame) {
    if (frame.type === "room.snapshot") {
      this.lastSeq = frame.seq;
    } else if (typeof frame.seq === "number") {
      if (this.lastSeq !== null && frame.seq <= this.lastSeq) return; // already seen
      if (this.lastSeq !== null && frame.seq > this.lastSeq + 1 && !this.resuming) {
        // A gap: ask for what we missed (the server answers from its history or a snapshot).
        this.resuming = true;
        this.send("room.resume", { last_seq: this.lastSeq });
        setTimeout(() => { this.resuming = false; }, 2000);
        return;
      }
      this.lastSeq = frame.seq;
    }
    this.emit(frame.type, frame);
  }

  send(type, payload = {}) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return null;
    const ref = `r${++this.refs}`;
    this.socket.send(JSON.stringify({ type, ref, ...payload }));
    return ref;
  }

  close() {
    this.closedByUs = true;
    this.socket?.close();
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
