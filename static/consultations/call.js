// The consultation call page (docs/protocol.md, "Consultation call"): one socket for
// signaling, chat and product cards; two-way audio/video through the relay's private room
// with the live rooms' WebRTC client (Publisher sends our camera, Viewer plays the other
// party). Measures "Join call" to the first decoded remote frame and reports it; the
// consultant sees call quality from getStats every 2 s.
import { bindDrawer } from "../liverooms/buy.js";
import { RoomClient } from "../liverooms/room-client.js";
import { Publisher, Viewer } from "../liverooms/rtc.js";

const root = document.getElementById("call");
const consultant = root.dataset.role === "consultant";
const iceServers = JSON.parse(root.dataset.ice || "[]");
const stage = document.getElementById("remote-video");
const preview = document.getElementById("local-preview");
const note = document.getElementById("call-note");
const stateBadge = document.getElementById("call-state");
const errorBox = document.getElementById("call-error");
const joinButton = document.getElementById("join-call");
const muteButton = document.getElementById("call-mute");
const cameraButton = document.getElementById("call-camera");
const endButton = document.getElementById("call-end");
const cameraSelect = document.getElementById("camera-select");
const microphoneSelect = document.getElementById("microphone-select");
const lines = document.getElementById("call-chat-lines");
const shownList = document.getElementById("call-shown");

const client = new RoomClient(root.dataset.ws);
const publisher = new Publisher(client, preview, { iceServers, snapshotEvent: "call.snapshot" });
let viewer = null;
let me = "";
let publishers = [];
let joined = false;
let ended = false;

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { errorBox.hidden = true; }, 6000);
}

function showState(state) {
  stateBadge.dataset.state = state;
  stateBadge.textContent = stateBadge.dataset[state] || state;
}

// Socket ------------------------------------------------------------------------------------
joinButton.disabled = true; // until the socket said who we are (the snapshot)
client.addEventListener("call.snapshot", ({ detail }) => {
  me = detail.you.identity;
  if (viewer) viewer.self = me;
  if (!joined) joinButton.disabled = false;
  lines.replaceChildren();
  addLines(detail.messages);
  shownList.replaceChildren();
  for (const product of detail.products) addShown(product);
  if (detail.products.length) showCard(detail.products[detail.products.length - 1]);
  setPublishers(detail.publishers);
});
client.addEventListener("rtc.publishers", ({ detail }) => setPublishers(detail.publishers));
client.addEventListener("chat.message", ({ detail }) => addLines([detail]));
client.addEventListener("product.pushed", ({ detail }) => { addShown(detail.product); showCard(detail.product); });
client.addEventListener("call.ended", () => endCall());
client.addEventListener("error", ({ detail }) => { if (detail.message) showError(detail.message); });
client.addEventListener("close", ({ detail }) => {
  // 4001 no session, 4009 the call is closed: reconnecting would not help.
  if (detail.code === 4001 || detail.code === 4009) { client.closedByUs = true; showState("closed"); }
});
client.connect();

// Media -------------------------------------------------------------------------------------
let clickedAt = null;
let otherSince = null; // when the other party was first listed as sending (after our click)
let reported = false;

function setPublishers(list) {
  publishers = list;
  root.dataset.publishers = list.map((p) => p.identity).join(" "); // for tests and support
  const other = list.filter((p) => p.identity !== me);
  if (other.length && otherSince === null) otherSince = performance.now();
  if (!other.length) otherSince = null;
  if (joined && !ended) {
    viewer.setPublishers(list);
    note.hidden = other.length > 0;
    note.textContent = note.dataset.waiting;
    showState(other.length ? "live" : "waiting");
  }
}

// The first decoded remote frame: requestVideoFrameCallback, else the first playing/resize
// with a width. Measured from the click, or from the moment the other party started sending
// when they joined after us (waiting for them is not connecting).
function watchFirstFrame(video) {
  const done = () => {
    if (reported || clickedAt === null || video.videoWidth === 0) return;
    reported = true;
    const start = Math.max(clickedAt, otherSince ?? clickedAt);
    const connectMs = Math.max(0, Math.round(performance.now() - start));
    const line = document.getElementById("connect-time");
    line.textContent = `${line.dataset.label} ${connectMs} ms`;
    line.hidden = false;
    root.dataset.connectMs = String(connectMs);
    client.send("call.connected", { connect_ms: connectMs });
  };
  if ("requestVideoFrameCallback" in HTMLVideoElement.prototype) {
    const onFrame = () => { if (video.videoWidth > 0) done(); else video.requestVideoFrameCallback(onFrame); };
    video.requestVideoFrameCallback(onFrame);
  }
  for (const type of ["playing", "resize", "loadeddata"]) video.addEventListener(type, done);
}
new MutationObserver((changes) => {
  for (const change of changes) for (const node of change.addedNodes) if (node.tagName === "VIDEO") watchFirstFrame(node);
}).observe(stage, { childList: true });

async function listDevices() {
  const { cameras, microphones } = await Publisher.devices();
  const fill = (select, devices) => {
    const chosen = select.value;
    select.replaceChildren(...devices.map((device, index) => Object.assign(document.createElement("option"), {
      value: device.deviceId, textContent: device.label || `${device.kind} ${index + 1}`,
    })));
    if (chosen) select.value = chosen;
  };
  fill(cameraSelect, cameras);
  fill(microphoneSelect, microphones);
}
listDevices().catch(() => {});

joinButton.addEventListener("click", async () => {
  clickedAt = performance.now();
  if (publishers.some((p) => p.identity !== me)) otherSince = clickedAt;
  joinButton.disabled = true;
  showState("connecting");
  viewer = new Viewer(client, stage, { iceServers, self: me });
  viewer.unmute(); // the click is the gesture that lets the other party's sound play
  joined = true;
  setPublishers(publishers);
  try {
    await publisher.start({ cameraId: cameraSelect.value, microphoneId: microphoneSelect.value });
    await listDevices(); // labels are readable once the camera is allowed
    joinButton.hidden = true;
    muteButton.hidden = cameraButton.hidden = false;
    if (endButton) endButton.hidden = false;
  } catch (error) {
    showError(error.message);
    joinButton.disabled = false;
  }
});
publisher.addEventListener("problem", ({ detail }) => showError(detail.message));

const toggle = (button, pressed) => {
  button.setAttribute("aria-pressed", String(pressed));
  button.textContent = pressed ? button.dataset.on : button.dataset.off;
};
muteButton.addEventListener("click", () => {
  const muted = muteButton.getAttribute("aria-pressed") !== "true";
  publisher.setMuted(muted);
  toggle(muteButton, muted);
});
cameraButton.addEventListener("click", () => {
  const off = cameraButton.getAttribute("aria-pressed") !== "true";
  publisher.setCameraOff(off);
  toggle(cameraButton, off);
});
cameraSelect.addEventListener("change", () => publisher.switchDevice("video", cameraSelect.value).catch(() => {}));
microphoneSelect.addEventListener("change", () => publisher.switchDevice("audio", microphoneSelect.value).catch(() => {}));
endButton?.addEventListener("click", () => {
  if (window.confirm(endButton.dataset.confirm)) client.send("call.end");
});

function endCall() {
  if (ended) return;
  ended = true;
  publisher.stop();
  if (viewer) viewer.setPublishers([]);
  showState("ended");
  note.hidden = false;
  note.textContent = stateBadge.dataset.ended;
  joinButton.hidden = muteButton.hidden = cameraButton.hidden = true;
  if (endButton) endButton.hidden = true;
  document.getElementById("devices").hidden = true;
}

// Call quality for the consultant: what we send (publisher) and what we receive (viewer).
const quality = document.getElementById("call-quality");
const lastIn = new Map();
async function inboundStats() {
  const out = { kbps: 0, loss: null, rtt: null };
  if (!viewer) return out;
  for (const [identity, watched] of viewer.watching) {
    if (!watched.pc) continue;
    const report = await watched.pc.getStats();
    let received = 0; let lost = 0;
    report.forEach((entry) => {
      if (entry.type === "inbound-rtp" && entry.kind === "video") {
        const last = lastIn.get(identity);
        if (last) out.kbps += Math.round(((entry.bytesReceived - last.bytes) * 8) / (entry.timestamp - last.at));
        lastIn.set(identity, { bytes: entry.bytesReceived, at: entry.timestamp });
      }
      if (entry.type === "inbound-rtp") { received += entry.packetsReceived || 0; lost += Math.max(0, entry.packetsLost || 0); }
      if (entry.type === "candidate-pair" && entry.nominated && entry.currentRoundTripTime !== undefined) out.rtt = Math.round(entry.currentRoundTripTime * 1000);
    });
    if (received + lost > 0) out.loss = Math.round((lost / (received + lost)) * 1000) / 10;
  }
  return out;
}
if (quality) {
  setInterval(async () => {
    if (!joined || ended) return;
    const [sent, got] = await Promise.all([publisher.stats().catch(() => null), inboundStats().catch(() => null)]);
    if (!sent && !got) return;
    const rtt = sent?.rtt ?? got?.rtt;
    const loss = got?.loss ?? sent?.loss;
    const { label } = quality.dataset;
    const parts = [
      `${quality.dataset.rtt} ${rtt ?? "–"} ms`,
      `${quality.dataset.loss} ${loss ?? "–"} %`,
      `${quality.dataset.in} ${got?.kbps ?? 0} kbps`,
      `${quality.dataset.out} ${sent?.kbps ?? 0} kbps`,
    ];
    quality.textContent = `${label}: ${parts.join(" · ")}`;
    quality.dataset.rttMs = rtt ?? "";
    quality.hidden = false;
  }, 1500);
}

// Chat --------------------------------------------------------------------------------------
function addLines(messages) {
  for (const message of messages) {
    if (lines.querySelector(`[data-id="${message.id}"]`)) continue;
    const item = document.createElement("li");
    item.dataset.id = message.id;
    item.classList.toggle("mine", message.sender === me);
    const author = document.createElement("strong");
    author.textContent = message.author; // textContent: chat is never parsed as HTML
    const text = document.createElement("span");
    text.textContent = ` ${message.text}`;
    item.append(author, text);
    lines.append(item);
  }
  lines.scrollTop = lines.scrollHeight;
}
const chatForm = document.getElementById("call-chat-form");
chatForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = chatForm.elements.text;
  const text = input.value.trim();
  if (!text) return;
  if (client.send("chat.send", { text })) input.value = "";
});

// Product cards -----------------------------------------------------------------------------
const drawer = consultant ? null : bindDrawer(root, null);
const cards = new Map();

function stockText(element, state) {
  return element.dataset[state] || "";
}

function showCard(product) {
  cards.set(product.id, product);
  const card = document.getElementById("call-card");
  card.hidden = false;
  card.dataset.product = product.id;
  document.getElementById("card-name").textContent = product.name;
  document.getElementById("card-price").textContent = product.price ? ` ${product.price}` : "";
  const stock = document.getElementById("card-stock");
  stock.textContent = stockText(stock, product.stock_state);
  stock.dataset.state = product.stock_state;
  const image = document.getElementById("card-image");
  if (product.image) image.src = product.image;
  image.hidden = !product.image;
  const buy = document.getElementById("card-buy");
  if (buy) buy.disabled = product.stock_state === "sold_out";
}

function addShown(product) {
  cards.set(product.id, product);
  shownList.querySelector(`[data-product="${product.id}"]`)?.remove();
  const item = document.createElement("li");
  item.dataset.product = product.id;
  const link = Object.assign(document.createElement("a"), { href: product.url, target: "_blank", rel: "noopener", textContent: product.name });
  const price = document.createElement("span");
  price.className = "price";
  price.textContent = product.price ? ` ${product.price}` : "";
  item.append(link, price);
  if (drawer) {
    const buy = Object.assign(document.createElement("button"), { type: "button", className: "small", textContent: document.getElementById("card-buy").textContent });
    buy.disabled = product.stock_state === "sold_out";
    buy.addEventListener("click", () => drawer.open(product, product.name));
    item.append(buy);
  }
  shownList.append(item);
}
document.getElementById("card-buy")?.addEventListener("click", () => {
  const product = cards.get(Number(document.getElementById("call-card").dataset.product));
  if (product && drawer) drawer.open(product, product.name);
});
document.getElementById("push-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const productId = Number(document.getElementById("push-product").value);
  if (productId) client.send("product.push", { product_id: productId });
});

// Notes (consultant) ------------------------------------------------------------------------
const notesForm = document.getElementById("notes-form");
notesForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = document.getElementById("notes-status");
  const response = await fetch(notesForm.action, { method: "POST", body: new FormData(notesForm), headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({ ok: false, message: response.statusText }));
  status.textContent = body.ok ? notesForm.querySelector("[data-saved]").dataset.saved : body.message;
  if (body.ok) notesForm.elements.text.value = "";
});
