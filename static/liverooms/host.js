// Host console: room controls and chat moderation. Actions are POSTed to the server; their
// effects come back over the same room socket as everyone else sees them.
import { RoomClient } from "./room-client.js";

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
}
refreshSales();
setInterval(refreshSales, 5000);
client.addEventListener("order.bought", refreshSales);
