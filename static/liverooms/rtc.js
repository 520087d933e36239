// Live video through Showroom's media relay, with the standard WebRTC API. Signaling rides on
// the room socket (docs/protocol.md): the page sends a complete offer as rtc.publish or
// rtc.subscribe and gets rtc.answer back (matched by ref). One RTCPeerConnection per publisher
// watched.
//
// Connections set themselves up again (docs/protocol.md, "Reconnecting"):
// - a connection that fails, or stays "disconnected" for DISCONNECTED_GRACE (Chromium reports
//   "disconnected" ~5 s after the far end goes silent, "failed" only ~30 s later);
// - every connection, at once, after the room socket reconnects (the server left the peers
//   the old socket made);
// - the publisher, at once, when rtc.publishers stops listing it (the relay restarted or
//   dropped it); a viewer, at once, when rtc.publishers lists a publisher it lost.
// Otherwise retries back off from 0.5 s to 10 s.

const ANSWER_TIMEOUT = 20000;
const DISCONNECTED_GRACE = 2000;

// Ask the server for an answer to an offer; resolves with the rtc.answer or rejects with the
// error (at once if the room socket closes meanwhile: that socket's answer will never come).
function request(client, type, payload) {
  return new Promise((resolve, reject) => {
    const ref = client.send(type, payload);
    if (!ref) { reject(new Error("not connected")); return; }
    const done = () => {
      clearTimeout(timer);
      client.removeEventListener("rtc.answer", onAnswer);
      client.removeEventListener("error", onError);
      client.removeEventListener("close", onClose);
    };
    const onAnswer = ({ detail }) => { if (detail.ref === ref) { done(); resolve(detail); } };
    const onError = ({ detail }) => {
      if (detail.ref === ref) { done(); reject(Object.assign(new Error(detail.message), { code: detail.code, detail: detail.detail })); }
    };
    const onClose = () => { done(); reject(new Error("the room connection dropped")); };
    const timer = setTimeout(() => { done(); reject(new Error("no answer from the server")); }, ANSWER_TIMEOUT);
    client.addEventListener("rtc.answer", onAnswer);
    client.addEventListener("error", onError);
    client.addEventListener("close", onClose);
  });
}

// The relay does not trickle ICE: send the offer once all local candidates are in it.
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 3000); // enough candidates by now on any real network
  });
}

// Thrown when a newer connection replaced `pc` while it was being negotiated.
class Superseded extends Error {}

// Closing a connection leaves its pending createOffer / setLocalDescription /
// setRemoteDescription unsettled for ever (the spec aborts them without rejecting), so close
// replaced connections with abandon(): whatever negotiate() awaits on them rejects at once.
const abandoned = new WeakMap();
function abandonment(pc) {
  let entry = abandoned.get(pc);
  if (!entry) {
    entry = {};
    entry.promise = new Promise((_, reject) => { entry.reject = reject; });
    entry.promise.catch(() => {});
    abandoned.set(pc, entry);
  }
  return entry;
}
function abandon(pc) {
  if (!pc) return;
  abandonment(pc).reject(new Superseded());
  pc.close();
}
const unlessAbandoned = (pc, promise) => Promise.race([promise, abandonment(pc).promise]);

// Offer, answer, done: the relay's peer id. `current()` says whether `pc` is still the one
// wanted; a peer the relay made for a replaced connection is left at once.
async function negotiate(client, pc, type, payload, current) {
  const offer = await unlessAbandoned(pc, pc.createOffer());
  await unlessAbandoned(pc, pc.setLocalDescription(offer));
  await gathered(pc);
  if (!current()) throw new Superseded();
  const answer = await request(client, type, { ...payload, sdp: pc.localDescription.sdp });
  if (!current()) {
    client.send("rtc.leave", { peer_id: answer.peer_id });
    throw new Superseded();
  }
  await unlessAbandoned(pc, pc.setRemoteDescription({ type: "answer", sdp: answer.sdp }));
  return answer.peer_id;
}

// Calls `repair` when `pc` fails or stays disconnected for DISCONNECTED_GRACE, as long as
// `current()` says it is still the connection in use.
function watch(pc, current, repair) {
  let timer = null;
  pc.addEventListener("connectionstatechange", () => {
    clearTimeout(timer);
    if (!current()) return;
    if (pc.connectionState === "failed") repair();
    else if (pc.connectionState === "disconnected") {
      timer = setTimeout(() => { if (current() && pc.connectionState === "disconnected") repair(); }, DISCONNECTED_GRACE);
    }
  });
}

// getUserMedia, tried again when the device could not start (NotReadableError: "Could not
// start video source", or Chromium's "Timeout starting video source" on a busy machine; or
// AbortError): those pass, while a refusal (NotAllowedError) or a missing device does not.
const CAPTURE_ATTEMPTS = 3;
export async function capture(constraints) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      const transient = error.name === "NotReadableError" || error.name === "AbortError";
      if (!transient || attempt >= CAPTURE_ATTEMPTS) throw error;
      console.warn(`rtc: camera or microphone did not start (${error.message}); trying again`);
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

const backoff = (attempt) => Math.min(10000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
const broken = (pc) => !pc || ["failed", "disconnected", "closed"].includes(pc.connectionState);

export class Publisher extends EventTarget {
  // `snapshotEvent`: the socket's snapshot event ("call.snapshot" on a consultation call).
  constructor(client, preview, { iceServers = [], snapshotEvent = "room.snapshot" } = {}) {
    super();
    this.client = client;
    this.preview = preview;
    this.iceServers = iceServers;
    this.stream = null;
    this.pc = null;
    this.peerId = null;
    this.attempt = 0;
    this.stopped = true;
    this.lastBytes = null;
    this.identity = ""; // ours in the room (from the snapshot)
    this.listed = false; // rtc.publishers has listed us since this connection was made
    client.addEventListener(snapshotEvent, ({ detail }) => {
      this.identity = detail.you?.identity || "";
      this.check(detail.publishers);
    });
    client.addEventListener("rtc.publishers", ({ detail }) => this.check(detail.publishers));
    // A new room socket: the server left the old one's peers, so publish again at once.
    client.addEventListener("open", () => { if (this.pc) this.reconnect(); });
  }

  static async devices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    return { cameras: all.filter((d) => d.kind === "videoinput"), microphones: all.filter((d) => d.kind === "audioinput") };
  }

  async start({ cameraId = "", microphoneId = "" } = {}) {
    this.stopped = false;
    this.stream = await capture({
      audio: microphoneId ? { deviceId: { exact: microphoneId } } : true,
      video: { ...(cameraId ? { deviceId: { exact: cameraId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    if (this.preview) this.preview.srcObject = this.stream;
    await this.connect();
  }

  async connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    abandon(this.pc); // tells the relay at once; the new connection takes our tracks over
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    this.peerId = null;
    this.listed = false;
    this.lastBytes = null;
    const current = () => this.pc === pc && !this.stopped;
    for (const track of this.stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [this.stream] });
    watch(pc, current, () => this.retry());
    try {
      this.peerId = await negotiate(this.client, pc, "rtc.publish", {}, current);
      this.attempt = 0;
      this.dispatchEvent(new CustomEvent("live"));
    } catch (error) {
      if (error instanceof Superseded || !current()) return;
      console.warn("rtc: publishing failed:", error.code || "", error.message);
      this.dispatchEvent(new CustomEvent("problem", { detail: error }));
      if (error.code !== "publish_not_allowed" && error.code !== "auth_required") this.retry();
    }
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), backoff(this.attempt++));
  }

  reconnect() {
    this.attempt = 0;
    this.connect();
  }

  // Once listed, a list without us means the relay lost our tracks (it restarted, or the server
  // left our peer) even if the connection still looks up: publish again now.
  check(publishers) {
    if (this.stopped || !this.pc || !this.identity || !Array.isArray(publishers)) return;
    if (publishers.some((p) => p.identity === this.identity)) this.listed = true;
    else if (this.listed) this.reconnect();
  }

  setMuted(muted) { for (const track of this.stream?.getAudioTracks() || []) track.enabled = !muted; }

  setCameraOff(off) { for (const track of this.stream?.getVideoTracks() || []) track.enabled = !off; }

  async switchDevice(kind, deviceId) {
    if (!this.stream) return;
    const fresh = await capture(kind === "video" ? { video: { deviceId: { exact: deviceId } } } : { audio: { deviceId: { exact: deviceId } } });
    const track = fresh.getTracks()[0];
    const old = kind === "video" ? this.stream.getVideoTracks()[0] : this.stream.getAudioTracks()[0];
    track.enabled = old ? old.enabled : true;
    const sender = this.pc?.getSenders().find((s) => s.track && s.track.kind === kind);
    await sender?.replaceTrack(track);
    if (old) { this.stream.removeTrack(old); old.stop(); }
    this.stream.addTrack(track);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.peerId) this.client.send("rtc.leave", { peer_id: this.peerId });
    abandon(this.pc);
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.pc = this.stream = this.peerId = null;
    if (this.preview) this.preview.srcObject = null;
  }

  // Bitrate sent, round-trip time and loss reported by the relay, frames per second.
  async stats() {
    if (!this.pc) return null;
    const report = await this.pc.getStats();
    const out = { kbps: 0, rtt: null, loss: null, fps: null };
    report.forEach((entry) => {
      if (entry.type === "outbound-rtp" && entry.kind === "video") {
        if (this.lastBytes) out.kbps = Math.round(((entry.bytesSent - this.lastBytes.bytes) * 8) / (entry.timestamp - this.lastBytes.at));
        this.lastBytes = { bytes: entry.bytesSent, at: entry.timestamp };
        out.fps = entry.framesPerSecond ?? null;
      }
      if (entry.type === "remote-inbound-rtp" && entry.kind === "video") {
        if (entry.roundTripTime !== undefined) out.rtt = Math.round(entry.roundTripTime * 1000);
        if (entry.fractionLost !== undefined) out.loss = Math.round(entry.fractionLost * 1000) / 10;
      }
      if (entry.type === "candidate-pair" && entry.nominated && out.rtt === null && entry.currentRoundTripTime !== undefined) {
        out.rtt = Math.round(entry.currentRoundTripTime * 1000);
      }
    });
    return out;
  }
}

// Plays every publisher of the room (host, co-hosts, a linked room's host) side by side.
export class Viewer {
  constructor(client, stage, { iceServers = [], self = "" } = {}) {
    this.client = client;
    this.stage = stage;
    this.iceServers = iceServers;
    this.self = self;
    this.muted = true;
    this.watching = new Map(); // identity -> { pc, video, attempt, peerId, publisher, ... }
    // A new room socket: the server left the old one's peers, so subscribe again at once.
    client.addEventListener("open", () => { for (const watched of this.watching.values()) this.reconnect(watched); });
  }

  setPublishers(publishers) {
    const wanted = new Map(publishers.filter((p) => p.identity !== this.self).map((p) => [p.identity, p]));
    for (const [identity, watched] of this.watching) {
      if (!wanted.has(identity)) this.drop(identity, watched);
    }
    for (const [identity, publisher] of wanted) {
      const watched = this.watching.get(identity);
      if (!watched) this.watch(publisher);
      else {
        watched.publisher = publisher;
        if (!this.healthy(watched)) this.reconnect(watched); // it is back: no need to wait
      }
    }
    this.stage.dataset.count = String(this.watching.size);
  }

  watch(publisher) {
    const video = document.createElement("video");
    Object.assign(video, { autoplay: true, playsInline: true, muted: this.muted });
    video.dataset.identity = publisher.identity;
    video.setAttribute("aria-label", publisher.name || publisher.identity);
    this.stage.append(video);
    const watched = { video, pc: null, attempt: 0, peerId: null, publisher, stopped: false, negotiating: false, timer: null };
    this.watching.set(publisher.identity, watched);
    this.connect(watched);
  }

  async connect(watched) {
    if (watched.stopped) return;
    clearTimeout(watched.timer);
    watched.timer = null;
    abandon(watched.pc); // tells the relay at once
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    watched.pc = pc;
    watched.peerId = null;
    watched.negotiating = true;
    const current = () => watched.pc === pc && !watched.stopped;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.addEventListener("track", ({ track }) => {
      stream.addTrack(track);
      watched.video.srcObject = stream;
      watched.video.play().catch(() => {}); // muted autoplay is allowed; sound waits for a tap
    });
    watch(pc, current, () => this.retry(watched));
    try {
      const { identity, room } = watched.publisher; // room: a linked (PK) room's publisher
      const payload = room ? { publisher: identity, room } : { publisher: identity };
      watched.peerId = await negotiate(this.client, pc, "rtc.subscribe", payload, current);
      watched.attempt = 0;
    } catch (error) {
      if (error instanceof Superseded || !current()) return;
      // Also on publisher_not_found: the relay restarted and the publisher is not back yet.
      // While it stays listed we keep trying; rtc.publishers drops it or says it is back.
      this.retry(watched);
    } finally {
      if (current()) watched.negotiating = false;
    }
  }

  retry(watched) {
    if (watched.stopped) return;
    clearTimeout(watched.timer);
    watched.timer = setTimeout(() => this.connect(watched), backoff(watched.attempt++));
  }

  reconnect(watched) {
    watched.attempt = 0;
    this.connect(watched);
  }

  // Negotiating, or negotiated with a connection that is not failing.
  healthy(watched) {
    return watched.negotiating || (watched.peerId !== null && watched.timer === null && !broken(watched.pc));
  }

  drop(identity, watched) {
    watched.stopped = true;
    clearTimeout(watched.timer);
    if (watched.peerId) this.client.send("rtc.leave", { peer_id: watched.peerId });
    abandon(watched.pc);
    watched.video.remove();
    this.watching.delete(identity);
  }

  // Every connection that is not healthy starts again now.
  refresh() {
    for (const watched of this.watching.values()) {
      if (!this.healthy(watched)) this.reconnect(watched);
    }
  }

  unmute() {
    this.muted = false;
    for (const { video } of this.watching.values()) { video.muted = false; video.play().catch(() => {}); }
  }
}
