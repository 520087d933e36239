// The shoppable replay page: the player with the merchant's trim, product markers on a timeline
// of the trimmed range, the room's pinned card following the pins as the video plays (the
// room's own products.js, fed by the video clock instead of the socket), the room's checkout
// drawer, chat replay on the video clock, and the analytics reports (view, watch time, clicks).
import { bindDrawer } from "../liverooms/buy.js";
import { bindProducts, productName } from "../liverooms/products.js";

const root = document.getElementById("replay");
const video = document.getElementById("replay-video");
const track = document.getElementById("replay-track");
const played = document.getElementById("replay-played");
const markerList = document.getElementById("replay-markers");
const lines = document.getElementById("chat-lines");
const noProduct = document.getElementById("replay-no-product");
const { chapters, cards } = JSON.parse(document.getElementById("replay-timeline-data").textContent);
const chat = JSON.parse(document.getElementById("replay-chat-data").textContent);
const csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
const lang = root.dataset.lang;
const MAX_LINES = 200;
const SEEK_PAST = 0.01; // land just after a pin, so the card of that pin shows

const trimStart = Number(root.dataset.trimStart) || 0;
let trimEnd = Number(root.dataset.trimEnd) || 0;
const end = () => (trimEnd > trimStart ? trimEnd : video.duration || trimStart);
const span = () => Math.max(end() - trimStart, 0.001);

function clock(seconds) {
  const total = Math.max(0, Math.round(seconds));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

function report(url, data) {
  const body = new FormData();
  for (const [key, value] of Object.entries(data)) body.append(key, value);
  body.append("csrfmiddlewaretoken", csrf);
  return fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrf }, keepalive: true }).catch(() => null);
}

// Which product was pinned at `time` (seconds on the file's clock) ----------------------------
function pinnedAt(time) {
  let product = null;
  for (const chapter of chapters) {
    if (chapter.offset > time) break;
    if (chapter.kind === "pin") product = chapter.product;
    else if (chapter.kind === "unpin" && chapter.product === product) product = null;
  }
  return product;
}

// The room's card code listens for room events; the video clock sends the same ones.
const events = new EventTarget();
let pinnedId = undefined;
let pinnedProduct = null;
function follow(time) {
  const id = pinnedAt(time);
  if (id === pinnedId) return;
  pinnedId = id;
  const product = id === null ? null : structuredClone(cards[String(id)]);
  events.dispatchEvent(new CustomEvent(product ? "product.pinned" : "product.unpinned", { detail: { product } }));
}
bindProducts(events, root, (product) => {
  pinnedProduct = product;
  noProduct.hidden = Boolean(product) || !chapters.length;
  for (const button of markerList.querySelectorAll("button")) {
    button.setAttribute("aria-current", String(Boolean(product) && button.dataset.product === String(product.id)));
  }
});
const drawer = bindDrawer(root, () => pinnedProduct);

// Timeline markers (pins inside the trimmed range) -------------------------------------------
function seek(time) {
  video.currentTime = Math.min(Math.max(time, trimStart), end());
  follow(video.currentTime);
  rebuildChat(video.currentTime);
  paintProgress();
}

function drawMarkers() {
  markerList.replaceChildren(...chapters
    .filter((chapter) => chapter.kind === "pin" && chapter.offset >= trimStart && chapter.offset <= end())
    .map((chapter) => {
      const card = cards[String(chapter.product)];
      const item = document.createElement("li");
      item.style.insetInlineStart = `${((chapter.offset - trimStart) / span()) * 100}%`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "replay-marker";
      button.dataset.product = chapter.product;
      button.dataset.offset = chapter.offset;
      const label = markerList.dataset.seek
        .replace("%(product)s", productName(card, lang))
        .replace("%(time)s", clock(chapter.offset - trimStart));
      button.title = label;
      button.setAttribute("aria-label", label);
      if (card.image) button.style.backgroundImage = `url("${encodeURI(card.image)}")`;
      button.addEventListener("click", () => {
        seek(chapter.offset + SEEK_PAST);
        report(root.dataset.reportClick, { product: chapter.product });
      });
      item.append(button);
      return item;
    }));
}

function paintProgress() {
  const share = Math.min(Math.max((video.currentTime - trimStart) / span(), 0), 1);
  played.style.inlineSize = `${share * 100}%`;
}

track.addEventListener("click", (event) => {
  const box = track.getBoundingClientRect();
  const rtl = getComputedStyle(track).direction === "rtl";
  const share = rtl ? (box.right - event.clientX) / box.width : (event.clientX - box.left) / box.width;
  seek(trimStart + share * span());
});

document.getElementById("pinned-card").addEventListener("click", () => {
  if (pinnedProduct) report(root.dataset.reportClick, { product: pinnedProduct.id });
});

// Chat replay: what was said up to the playhead --------------------------------------------
let shown = 0; // chat[0..shown) are on screen (the last MAX_LINES of them)

function upTo(time) {
  let low = 0;
  let high = chat.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (chat[middle].offset <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

function chatLine(message) {
  const item = document.createElement("li");
  item.dataset.id = message.id;
  const at = document.createElement("time");
  at.textContent = clock(message.offset - trimStart);
  const author = document.createElement("strong");
  author.textContent = message.author; // textContent: chat is never parsed as HTML
  const text = document.createElement("span");
  text.textContent = ` ${message.text}`;
  text.dir = "auto"; // a message keeps its own direction on a page of the other one
  if (message.language) text.lang = message.language;
  if (message.translation) {
    // As in the live room: the viewer's language first, the original on tap.
    text.dataset.original = text.textContent;
    text.dataset.translated = ` ${message.translation}`;
    text.textContent = text.dataset.translated;
    text.classList.add("translated");
    text.lang = document.documentElement.lang;
  }
  item.append(at, author, text);
  return item;
}

lines.addEventListener("click", (event) => {
  const text = event.target.closest("span.translated");
  if (!text) return;
  const showingOriginal = text.textContent === text.dataset.original;
  text.textContent = showingOriginal ? text.dataset.translated : text.dataset.original;
});

function rebuildChat(time) {
  shown = upTo(time);
  lines.replaceChildren(...chat.slice(Math.max(0, shown - MAX_LINES), shown).map(chatLine));
  lines.scrollTop = lines.scrollHeight;
}

function advanceChat(time) {
  const next = upTo(time);
  if (next < shown || next - shown > MAX_LINES) return rebuildChat(time);
  for (const message of chat.slice(shown, next)) lines.append(chatLine(message));
  shown = next;
  while (lines.children.length > MAX_LINES) lines.firstElementChild.remove();
  if (next > 0) lines.scrollTop = lines.scrollHeight;
}

// Trim: start at trim_start, stop at trim_end ---------------------------------------------------
video.addEventListener("loadedmetadata", () => {
  if (!(trimEnd > trimStart) || trimEnd > video.duration) trimEnd = video.duration;
  if (video.currentTime < trimStart) video.currentTime = trimStart;
  drawMarkers();
  follow(video.currentTime);
  rebuildChat(video.currentTime);
});
video.addEventListener("timeupdate", () => {
  if (video.currentTime < trimStart - 0.25) video.currentTime = trimStart;
  if (video.currentTime >= end() - 0.01 && end() > trimStart) {
    video.pause();
    if (video.currentTime > end()) video.currentTime = end();
  }
  follow(video.currentTime);
  advanceChat(video.currentTime);
  paintProgress();
  countWatched();
});
video.addEventListener("seeked", () => {
  follow(video.currentTime);
  rebuildChat(video.currentTime);
  paintProgress();
  lastTime = video.currentTime;
});
video.addEventListener("play", () => {
  if (video.currentTime >= end() - 0.05) video.currentTime = trimStart; // replay from the start
});

// Analytics: a view, seconds really played, product clicks ---------------------------------------
let viewed = false;
let lastTime = null;
let watched = 0;
video.addEventListener("playing", () => {
  lastTime = video.currentTime;
  if (viewed) return;
  viewed = true;
  report(root.dataset.reportView, {});
});

function countWatched() {
  if (video.paused || video.seeking || lastTime === null) { lastTime = video.currentTime; return; }
  const delta = video.currentTime - lastTime;
  lastTime = video.currentTime;
  if (delta > 0 && delta < 2) watched += delta; // a jump is a seek, not watching
}

function sendWatched(beacon = false) {
  if (watched < 1) return;
  const seconds = watched.toFixed(1);
  watched = 0;
  if (beacon && navigator.sendBeacon) {
    const body = new FormData();
    body.append("seconds", seconds);
    body.append("csrfmiddlewaretoken", csrf);
    navigator.sendBeacon(root.dataset.reportWatch, body);
  } else {
    report(root.dataset.reportWatch, { seconds });
  }
}
setInterval(sendWatched, (Number(root.dataset.heartbeat) || 15) * 1000);
document.addEventListener("visibilitychange", () => { if (document.hidden) sendWatched(true); });
window.addEventListener("pagehide", () => sendWatched(true));

if (video.readyState >= 1) video.dispatchEvent(new Event("loadedmetadata"));
export { drawer };
