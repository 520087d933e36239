// Live video through Showroom's media relay, with the standard WebRTC API. Signaling rides on
// the room socket (docs/protocol.md): the page sends a complete offer as rtc.publish or
// rtc.subscribe and gets rtc.answer back (matched by ref). One RTCPeerConnection per publisher
// watched. Connections that fail (network drop, relay restart) are set up again by themselves.

const ANSWER_TIMEOUT = 20000;

// Ask the server for an answer to an offer; resolves with the rtc.answer or rejects with the error.
function request(client, type, payload) {
  return new Promise((resolve, reject) => {
    const ref = client.send(type, payload);
    if (!ref) { reject(new Error("not connected")); return; }
    const done = () => {
      clearTimeout(timer);
      client.removeEventListener("rtc.answer", onAnswer);
      client.removeEventListener("error", onError);
    };
    const onAnswer = ({ detail }) => { if (detail.ref === ref) { done(); resolve(detail); } };
    const onError = ({ detail }) => {
      if (detail.ref === ref) { done(); reject(Object.assign(new Error(detail.message), { code: detail.code, detail: detail.detail })); }
    };
    const timer = setTimeout(() => { done(); reject(new Error("no answer from the server")); }, ANSWER_TIMEOUT);
    client.addEventListener("rtc.answer", onAnswer);
    client.addEventListener("error", onError);
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

async function negotiate(client, pc, type, payload) {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const answer = await request(client, type, { ...payload, sdp: pc.localDescription.sdp });
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  return answer.peer_id;
}

// Calls `repair` when a connection fails or stays disconnected, with growing pauses.
function watch(pc, repair) {
  let timer = null;
  pc.addEventListener("connectionstatechange", () => {
    clearTimeout(timer);
    if (pc.connectionState === "failed") repair();
    else if (pc.connectionState === "disconnected") timer = setTimeout(repair, 3000);
  });
}

const backoff = (attempt) => Math.min(10000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);

export class Publisher extends EventTarget {
  constructor(client, preview, { iceServers = [] } = {}) {
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
  }

  static async devices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    return { cameras: all.filter((d) => d.kind === "videoinput"), microphones: all.filter((d) => d.kind === "audioinput") };
  }

  async start({ cameraId = "", microphoneId = "" } = {}) {
    this.stopped = false;
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: microphoneId ? { deviceId: { exact: microphoneId } } : true,
      video: { ...(cameraId ? { deviceId: { exact: cameraId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    if (this.preview) this.preview.srcObject = this.stream;
    await this.connect();
  }

  async connect() {
    if (this.stopped) return;
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    for (const track of this.stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [this.stream] });
    watch(pc, () => this.retry());
    try {
      this.peerId = await negotiate(this.client, pc, "rtc.publish", {});
      this.attempt = 0;
      this.dispatchEvent(new CustomEvent("live"));
    } catch (error) {
      this.dispatchEvent(new CustomEvent("problem", { detail: error }));
      if (error.code !== "publish_not_allowed" && error.code !== "auth_required") this.retry();
    }
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), backoff(this.attempt++));
  }

  setMuted(muted) { for (const track of this.stream?.getAudioTracks() || []) track.enabled = !muted; }

  setCameraOff(off) { for (const track of this.stream?.getVideoTracks() || []) track.enabled = !off; }

  async switchDevice(kind, deviceId) {
    if (!this.stream) return;
    const fresh = await navigator.mediaDevices.getUserMedia(kind === "video" ? { video: { deviceId: { exact: deviceId } } } : { audio: { deviceId: { exact: deviceId } } });
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
    this.pc?.close();
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
    this.watching = new Map(); // identity -> { pc, video, attempt, peerId }
  }

  setPublishers(publishers) {
    const wanted = new Map(publishers.filter((p) => p.identity !== this.self).map((p) => [p.identity, p]));
    for (const [identity, watched] of this.watching) {
      if (!wanted.has(identity)) this.drop(identity, watched);
    }
    for (const [identity, publisher] of wanted) {
      if (!this.watching.has(identity)) this.watch(publisher);
    }
    this.stage.dataset.count = String(this.watching.size);
  }

  watch(publisher) {
    const video = document.createElement("video");
    Object.assign(video, { autoplay: true, playsInline: true, muted: this.muted });
    video.dataset.identity = publisher.identity;
    video.setAttribute("aria-label", publisher.name || publisher.identity);
    this.stage.append(video);
    const watched = { video, pc: null, attempt: 0, peerId: null, publisher, stopped: false };
    this.watching.set(publisher.identity, watched);
    this.connect(watched);
  }

  async connect(watched) {
    if (watched.stopped) return;
    watched.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    watched.pc = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.addEventListener("track", ({ track }) => {
      stream.addTrack(track);
      watched.video.srcObject = stream;
      watched.video.play().catch(() => {}); // muted autoplay is allowed; sound waits for a tap
    });
    watch(pc, () => this.retry(watched));
    try {
      const payload = { publisher: watched.publisher.identity };
      watched.peerId = await negotiate(this.client, pc, "rtc.subscribe", payload);
      watched.attempt = 0;
    } catch (error) {
      if (error.detail !== "publisher_not_found") this.retry(watched);
    }
  }

  retry(watched) {
    if (watched.stopped) return;
    clearTimeout(watched.timer);
    watched.timer = setTimeout(() => this.connect(watched), backoff(watched.attempt++));
  }

  drop(identity, watched) {
    watched.stopped = true;
    clearTimeout(watched.timer);
    if (watched.peerId) this.client.send("rtc.leave", { peer_id: watched.peerId });
    watched.pc?.close();
    watched.video.remove();
    this.watching.delete(identity);
  }

  // After the room socket reconnects, every connection that is not healthy starts again.
  refresh() {
    for (const watched of this.watching.values()) {
      if (!watched.pc || ["failed", "closed"].includes(watched.pc.connectionState)) this.connect(watched);
    }
  }

  unmute() {
    this.muted = false;
    for (const { video } of this.watching.values()) { video.muted = false; video.play().catch(() => {}); }
  }
}
