// Viewer page: chat, likes, viewer count and room status over the room socket.
import { bindDrawer } from "./buy.js";
import { bindProducts } from "./products.js";
import { RoomClient } from "./room-client.js";

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
    lines.append(chatLine(message));
  }
  while (lines.children.length > MAX_LINES) lines.firstElementChild.remove();
  lines.scrollTop = lines.scrollHeight;
}

function showStatus(status) {
  statusBadge.className = `badge status-${status}`;
  statusBadge.textContent = statusBadge.dataset[status] || status;
  if (status === "live") stageNote.hidden = true;
  root.dataset.status = status;
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

client.connect();
window.showroomRoom = client; // for debugging and browser tests
