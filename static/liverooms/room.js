// Viewer page: chat, likes, viewer count and room status over the room socket.
import { bindDrawer } from "./buy.js";
import { bindGiveaways } from "./giveaways.js";
import { bindProducts } from "./products.js";
import { bindGifts } from "./gifts.js";
import { bindPkStage } from "./pk.js";
import { bindQuiz } from "./quiz.js";
import { RoomClient } from "./room-client.js";
import { Publisher, Viewer } from "./rtc.js";

const root = document.getElementById("room");
const lines = document.getElementById("chat-lines");
const form = document.getElementById("chat-form");
const input = document.getElementById("chat-input");
const errorBox = document.getElementById("chat-error");
const statusBadge = document.getElementById("room-status");
const stageNote = document.getElementById("stage-note");
const pinned = document.getElementById("pinned-message");
const slowNote = document.getElementById("slow-mode-note");
const MAX_LINES = 200;

const client = new RoomClient(root.dataset.ws);

function chatLine(message) {
  const item = document.createElement("li");
  item.dataset.id = message.id;
  const author = document.createElement("strong");
  author.textContent = message.author; // textContent: chat is never parsed as HTML
  const text = document.createElement("span");
  text.textContent = ` ${message.text}`;
  item.append(author, text);
  return item;
}

function addLines(messages) {
  for (const message of messages) {
    if (lines.querySelector(`[data-id="${message.id}"]`)) continue;
    const line = chatLine(message);
    const translation = pendingTranslations.get(String(message.id));
    if (translation !== undefined) {
      pendingTranslations.delete(String(message.id));
      showTranslation(line.lastElementChild, translation);
    }
    lines.append(line);
  }
  while (lines.children.length > MAX_LINES) lines.firstElementChild.remove();
  lines.scrollTop = lines.scrollHeight;
}

let onCamera = 0;
// What the stage says when there is no video: not started, ended, or live but nobody on camera.
function showStageNote() {
  const status = root.dataset.status;
  const text = status === "live" ? stageNote.dataset.waiting : stageNote.dataset[status];
  stageNote.hidden = status === "live" && onCamera > 0;
  if (text) stageNote.textContent = text;
}

function showStatus(status) {
  statusBadge.className = `badge status-${status}`;
  statusBadge.textContent = statusBadge.dataset[status] || status;
  root.dataset.status = status;
  showStageNote();
}

function showSlowMode(seconds) {
  if (!slowNote) return;
  slowNote.hidden = !seconds;
  slowNote.textContent = slowNote.dataset.template.replace("%(seconds)s", seconds);
}

function showError(message) {
  if (!errorBox) return;
  errorBox.textContent = message;
  errorBox.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { errorBox.hidden = true; }, 4000);
}

client.addEventListener("room.snapshot", ({ detail }) => {
  lines.replaceChildren();
  addLines(detail.chat);
  document.getElementById("viewer-count").textContent = detail.viewers;
  document.getElementById("like-count").textContent = detail.likes;
  showStatus(detail.room.status);
  showSlowMode(detail.room.slow_mode_seconds);
  pinned.hidden = !detail.pinned_message;
  if (detail.pinned_message) pinned.textContent = `📌 ${detail.pinned_message.author}: ${detail.pinned_message.text}`;
});
client.addEventListener("chat.batch", ({ detail }) => addLines(detail.messages));
client.addEventListener("chat.pinned", ({ detail }) => {
  pinned.hidden = !detail.message;
  if (detail.message) pinned.textContent = `📌 ${detail.message.author}: ${detail.message.text}`;
});
// A line in the viewer's language replaces the original; a tap toggles back to the original.
// A translation can overtake its line (lines are batched): it waits until the line arrives.
const pendingTranslations = new Map();
function showTranslation(text, translation) {
  text.dataset.original ??= text.textContent;
  text.dataset.translated = ` ${translation}`;
  text.textContent = text.dataset.translated;
  text.classList.add("translated");
  text.title = root.dataset.showOriginal;
}
client.addEventListener("chat.translated", ({ detail }) => {
  const text = lines.querySelector(`[data-id="${detail.message_id}"] span`);
  if (text) showTranslation(text, detail.text);
  else if (pendingTranslations.size < MAX_LINES) pendingTranslations.set(String(detail.message_id), detail.text);
});
lines.addEventListener("click", (event) => {
  const text = event.target.closest("span.translated");
  if (!text) return;
  const showingOriginal = text.textContent === text.dataset.original;
  text.textContent = showingOriginal ? text.dataset.translated : text.dataset.original;
});
client.addEventListener("chat.deleted", ({ detail }) => lines.querySelector(`[data-id="${detail.id}"]`)?.remove());
client.addEventListener("likes.update", ({ detail }) => { document.getElementById("like-count").textContent = detail.total; });
client.addEventListener("viewers.update", ({ detail }) => { document.getElementById("viewer-count").textContent = detail.count; });
client.addEventListener("room.status", ({ detail }) => showStatus(detail.status));
client.addEventListener("room.settings", ({ detail }) => showSlowMode(detail.slow_mode_seconds));
client.addEventListener("error", ({ detail }) => showError(detail.message));

form?.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  if (client.send("chat.send", { text })) input.value = "";
});
document.getElementById("like-button")?.addEventListener("click", () => client.send("like.send", { count: 1 }));

let pinnedProduct = null;
bindProducts(client, root, (product) => { pinnedProduct = product; });
bindDrawer(root, () => pinnedProduct);
bindGiveaways(client, root);

// Live video: every viewer plays the room's publishers (muted autoplay, tap to unmute).
const iceServers = JSON.parse(root.dataset.ice || "[]");
const stageVideo = document.getElementById("stage-video");
const unmute = document.getElementById("unmute");
let viewer = null;
let me = "";
client.addEventListener("room.snapshot", ({ detail }) => {
  me = detail.you.identity;
  viewer ||= new Viewer(client, stageVideo, { iceServers, self: me });
  viewer.setPublishers(detail.publishers);
  viewer.refresh();
  unmute.hidden = !detail.publishers.length || !viewer.muted;
  onCamera = detail.publishers.length;
  showStageNote();
});
client.addEventListener("rtc.publishers", ({ detail }) => {
  viewer?.setPublishers(detail.publishers);
  unmute.hidden = !detail.publishers.length || !viewer?.muted;
  onCamera = detail.publishers.length;
  showStageNote();
});
unmute.addEventListener("click", () => { viewer?.unmute(); unmute.hidden = true; });
// PK: the stage splits while this room is linked with another (after the Viewer made the tiles).
bindPkStage(client, { stage: document.getElementById("stage"), bar: document.getElementById("pk-bar"), slug: root.dataset.slug });

// Co-host (连麦): ask, and once the host accepts, join with camera and microphone.
const cohost = document.getElementById("cohost");
if (cohost) {
  const note = document.getElementById("cohost-note");
  const ask = document.getElementById("cohost-ask");
  const join = document.getElementById("cohost-join");
  const leave = document.getElementById("cohost-leave");
  const preview = document.getElementById("cohost-preview");
  let publisher = null;
  const isMe = (userId) => me === `user-${userId}`;
  const stop = () => {
    publisher?.stop();
    publisher = null;
    preview.hidden = leave.hidden = join.hidden = true;
    ask.hidden = false;
  };
  ask.addEventListener("click", () => { client.send("cohost.request"); note.textContent = cohost.dataset.asked; });
  client.addEventListener("cohost.accepted", ({ detail }) => {
    if (!isMe(detail.user_id)) return;
    note.textContent = cohost.dataset.invited;
    join.hidden = false;
    ask.hidden = true;
  });
  client.addEventListener("cohost.removed", ({ detail }) => { if (isMe(detail.user_id)) { stop(); note.textContent = ""; } });
  join.addEventListener("click", async () => {
    publisher = new Publisher(client, preview, { iceServers });
    publisher.addEventListener("problem", ({ detail }) => showError(detail.message));
    preview.hidden = leave.hidden = false;
    join.hidden = true;
    try { await publisher.start(); } catch (error) { showError(error.message); stop(); }
  });
  leave.addEventListener("click", () => { stop(); note.textContent = ""; });
}

bindGifts(client);
bindQuiz(client, document.getElementById("quiz-card"));
client.connect();
window.showroomRoom = client; // for debugging and browser tests
