// Host console: room controls and chat moderation. Actions are POSTed to the server; their
// effects come back over the same room socket as everyone else sees them.
import { bindGiveawayConsole } from "./giveaways.js";
import { bindPkConsole } from "./pk.js";
import { bindQuizConsole } from "./quiz.js";
import { RoomClient } from "./room-client.js";
import { Publisher } from "./rtc.js";

const root = document.getElementById("host");
const lines = document.getElementById("chat-lines");
const errorBox = document.getElementById("host-error");
const csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
const client = new RoomClient(root.dataset.ws);

async function act(action, fields = {}) {
  const body = new FormData();
  body.append("action", action);
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  const response = await fetch(root.dataset.action, { method: "POST", body, headers: { "X-CSRFToken": csrf } });
  const result = await response.json().catch(() => ({ ok: false, message: response.statusText }));
  errorBox.hidden = result.ok;
  if (!result.ok) errorBox.textContent = result.message || JSON.stringify(result.errors || result.code);
  return result;
}

function button(label, action, messageId) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "secondary small";
  element.textContent = label;
  element.addEventListener("click", () => act(action, { message_id: messageId }));
  return element;
}

function addLines(messages) {
  for (const message of messages) {
    const item = document.createElement("li");
    item.dataset.id = message.id;
    const text = document.createElement("span");
    text.textContent = `${message.author}: ${message.text}`;
    item.append(text, button(lines.dataset.delete, "delete_message", message.id),
      button(lines.dataset.mute, "mute", message.id), button(lines.dataset.ban, "ban", message.id),
      button(lines.dataset.pin, "pin_message", message.id));
    lines.append(item);
  }
  lines.scrollTop = lines.scrollHeight;
}

client.addEventListener("room.snapshot", ({ detail }) => {
  lines.replaceChildren();
  addLines(detail.chat);
  document.getElementById("viewer-count").textContent = detail.viewers;
  document.getElementById("like-count").textContent = detail.likes;
  document.getElementById("room-status").textContent = detail.room.status;
  document.getElementById("slow-mode").value = String(detail.room.slow_mode_seconds);
});
client.addEventListener("chat.batch", ({ detail }) => addLines(detail.messages));
client.addEventListener("chat.deleted", ({ detail }) => lines.querySelector(`[data-id="${detail.id}"]`)?.remove());
client.addEventListener("likes.update", ({ detail }) => { document.getElementById("like-count").textContent = detail.total; });
client.addEventListener("viewers.update", ({ detail }) => { document.getElementById("viewer-count").textContent = detail.count; });
client.addEventListener("room.status", ({ detail }) => { document.getElementById("room-status").textContent = detail.status; });

for (const control of root.querySelectorAll("[data-action]")) {
  if (control.tagName === "BUTTON") control.addEventListener("click", () => act(control.dataset.action));
}
document.getElementById("slow-mode").addEventListener("change", (event) => act("slow_mode", { seconds: event.target.value }));
client.connect();

for (const pin of root.querySelectorAll("[data-pin]")) {
  pin.addEventListener("click", () => act("pin", { product_id: pin.dataset.pin }));
}
const pinnedNow = document.getElementById("pinned-now");
const showPinned = (product) => { pinnedNow.textContent = product ? (product.names[document.documentElement.lang] || product.names.en) : "—"; };
client.addEventListener("room.snapshot", ({ detail }) => showPinned(detail.pinned_product));
client.addEventListener("product.pinned", ({ detail }) => showPinned(detail.product));
client.addEventListener("product.unpinned", () => showPinned(null));

const dealForm = document.getElementById("deal-form");
dealForm.addEventListener("submit", (event) => {
  event.preventDefault();
  act("deal_start", Object.fromEntries(new FormData(dealForm)));
});
const dealStatus = document.getElementById("deal-status");
const showDeal = (deal) => { dealStatus.textContent = deal ? `${deal.remaining} / ${deal.quantity}` : ""; };
client.addEventListener("room.snapshot", ({ detail }) => showDeal(detail.deal));
client.addEventListener("deal.started", ({ detail }) => showDeal(detail.deal));
client.addEventListener("deal.updated", ({ detail }) => { dealStatus.textContent = `${detail.remaining}`; });
client.addEventListener("deal.ended", () => showDeal(null));

async function refreshSales() {
  const response = await fetch(root.dataset.stats);
  if (!response.ok) return;
  const sales = await response.json();
  document.getElementById("sales-orders").textContent = sales.orders;
  document.getElementById("sales-revenue").textContent = sales.revenue.join(" + ");
  if (sales.gifts) document.getElementById("gift-coins").textContent = sales.gifts.coins;
}
refreshSales();
setInterval(refreshSales, 5000);
client.addEventListener("order.bought", refreshSales);

// Broadcasting from the console: camera and microphone to the relay, device picker, mute,
// camera off, live stats; co-host requests to let in or remove.
const media = document.getElementById("host-media");
const preview = document.getElementById("preview");
const statsLine = document.getElementById("rtc-stats");
const cameraSelect = document.getElementById("camera-select");
const microphoneSelect = document.getElementById("microphone-select");
const startButton = document.getElementById("broadcast-start");
const muteButton = document.getElementById("broadcast-mute");
const cameraButton = document.getElementById("broadcast-camera");
const stopButton = document.getElementById("broadcast-stop");
const publisher = new Publisher(client, preview, { iceServers: JSON.parse(media.dataset.ice || "[]") });
let viewers = 0;
client.addEventListener("room.snapshot", ({ detail }) => { viewers = detail.viewers; });
client.addEventListener("viewers.update", ({ detail }) => { viewers = detail.count; });

async function listDevices() {
  const { cameras, microphones } = await Publisher.devices();
  const fill = (select, devices) => select.replaceChildren(...devices.map((device, index) => Object.assign(document.createElement("option"), {
    value: device.deviceId, textContent: device.label || `${device.kind} ${index + 1}`,
  })));
  fill(cameraSelect, cameras);
  fill(microphoneSelect, microphones);
}
listDevices().catch(() => {});

const toggle = (button, pressed) => {
  button.setAttribute("aria-pressed", String(pressed));
  button.textContent = pressed ? button.dataset.on : button.dataset.off;
};
startButton.addEventListener("click", async () => {
  startButton.disabled = true;
  statsLine.textContent = statsLine.dataset.connecting;
  try {
    await publisher.start({ cameraId: cameraSelect.value, microphoneId: microphoneSelect.value });
    await listDevices(); // labels are readable once the camera is allowed
    startButton.hidden = true;
    muteButton.hidden = cameraButton.hidden = stopButton.hidden = false;
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
    startButton.disabled = false;
  }
});
publisher.addEventListener("problem", ({ detail }) => { errorBox.textContent = detail.message; errorBox.hidden = false; });
publisher.addEventListener("live", () => { errorBox.hidden = true; });
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
stopButton.addEventListener("click", () => {
  publisher.stop();
  startButton.hidden = false;
  startButton.disabled = false;
  muteButton.hidden = cameraButton.hidden = stopButton.hidden = true;
  statsLine.textContent = "";
});
cameraSelect.addEventListener("change", () => publisher.switchDevice("video", cameraSelect.value).catch(() => {}));
microphoneSelect.addEventListener("change", () => publisher.switchDevice("audio", microphoneSelect.value).catch(() => {}));
setInterval(async () => {
  const stats = await publisher.stats().catch(() => null);
  if (!stats) return;
  const parts = [statsLine.dataset.live, `${stats.kbps} kbps`];
  if (stats.fps !== null) parts.push(`${stats.fps} fps`);
  if (stats.rtt !== null) parts.push(`RTT ${stats.rtt} ms`);
  if (stats.loss !== null) parts.push(`loss ${stats.loss} %`);
  parts.push(`👁 ${viewers}`);
  statsLine.textContent = parts.join(" · ");
}, 2000);

const requests = document.getElementById("cohost-requests");
function cohostRow(userId, name, accepted) {
  requests.querySelector(`[data-user="${userId}"]`)?.remove();
  const item = document.createElement("li");
  item.dataset.user = userId;
  const label = document.createElement("span");
  label.textContent = `${name} `;
  item.append(label);
  const actionButton = (text, action) => {
    const element = Object.assign(document.createElement("button"), { type: "button", className: "small secondary", textContent: text });
    element.addEventListener("click", () => act(action, { user_id: userId }));
    item.append(element);
  };
  if (accepted) actionButton(requests.dataset.remove, "cohost_remove");
  else { actionButton(requests.dataset.accept, "cohost_accept"); actionButton(requests.dataset.decline, "cohost_decline"); }
  requests.append(item);
}
const names = new Map();
client.addEventListener("cohost.requested", ({ detail }) => { names.set(detail.user_id, detail.name); cohostRow(detail.user_id, detail.name, false); });
client.addEventListener("cohost.accepted", ({ detail }) => cohostRow(detail.user_id, names.get(detail.user_id) || `#${detail.user_id}`, true));
client.addEventListener("cohost.removed", ({ detail }) => requests.querySelector(`[data-user="${detail.user_id}"]`)?.remove());

// PK with another live room: invite, answer, end; the other host plays beside the controls.
const pkRoot = document.getElementById("pk-console");
bindGiveawayConsole(client, { root: document.getElementById("giveaway-console"), act });
bindPkConsole(client, { root: pkRoot, slug: pkRoot.dataset.slug, act, iceServers: JSON.parse(media.dataset.ice || "[]"), self: media.dataset.identity });
bindQuizConsole(client, document.getElementById("quiz-console"), act);
