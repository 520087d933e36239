// The support inbox, live: rows of the list update as conversations arrive, change hands or
// get new messages; the open conversation appends new messages (translated for the reader)
// without a reload. Over /ws/support/inbox/ (docs/protocol.md, "Support chat").

const list = document.getElementById("inbox-list");
const thread = document.getElementById("conversation");
const host = list ? document.getElementById("inbox") : thread;
if (host) connect(host.dataset.ws, 0);

function connect(path, retry) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${path}`);
  socket.addEventListener("open", () => {
    retry = 0;
    host.dataset.live = "1";
    const dot = document.getElementById("inbox-live");
    if (dot) dot.hidden = false;
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    host.dataset.live = "";
    if (event.code === 4003) return;
    setTimeout(() => connect(path, Math.min(retry + 1, 6)), 500 * 2 ** retry);
  });
}

function handle(event) {
  if (event.type === "inbox.conversation" && list) upsertRow(event.conversation);
  if (event.type === "inbox.message" && thread) appendLine(event.message);
  if (event.type === "inbox.conversation" && thread && String(event.conversation.id) === thread.dataset.conversation) {
    document.getElementById("conversation-status").textContent = event.conversation.status;
  }
}

function fill(node, data) {
  node.querySelectorAll("[data-field]").forEach((field) => {
    const value = data[field.dataset.field];
    if (value !== undefined) field.textContent = value;
  });
}

function upsertRow(row) {
  const filter = list.dataset.status;
  let line = list.querySelector(`[data-conversation="${row.id}"]`);
  if (row.status === "closed" || (filter && row.status !== filter)) {
    line?.remove();
    announceWaiting();
    return;
  }
  if (!line) {
    line = document.getElementById("inbox-row-template").content.firstElementChild.cloneNode(true);
    line.dataset.conversation = row.id;
    line.querySelector("a").href = `${document.getElementById("inbox").dataset.base}${row.id}/`;
    document.getElementById("inbox-empty")?.remove();
  }
  line.dataset.status = row.status;
  line.className = `inbox-row status-${row.status}${row.handed_off ? " handed-off" : ""}`;
  fill(line, row);
  list.prepend(line); // the most recent activity on top
  announceWaiting();
}

// Staff notice new handoffs from another tab: the waiting count in the title and the metrics.
const baseTitle = document.title;
function announceWaiting() {
  if (list.dataset.status) return; // a filtered list does not hold every waiting row
  const waiting = list.querySelectorAll('[data-status="waiting"]').length;
  document.title = waiting ? `(${waiting}) ${baseTitle}` : baseTitle;
  const metric = document.getElementById("metric-waiting");
  if (metric) metric.textContent = String(waiting);
}

function appendLine(message) {
  if (String(message.conversation_id) !== thread.dataset.conversation) return;
  const transcript = document.getElementById("transcript");
  if (transcript.querySelector(`[data-message="${message.id}"]`)) return;
  const line = document.getElementById("transcript-line-template").content.firstElementChild.cloneNode(true);
  line.dataset.message = message.id;
  line.className = `line from-${message.sender}`;
  const who = { shopper: thread.dataset.labelShopper, agent: thread.dataset.labelAgent, human: message.author }[message.sender];
  fill(line, { ...message, sender: who || message.sender });
  line.querySelector(".original")?.remove();
  if (message.text !== message.original) {
    const details = document.createElement("details");
    details.className = "original";
    details.append(Object.assign(document.createElement("summary"), { textContent: thread.dataset.labelOriginal }), message.original);
    line.append(details);
  }
  transcript.append(line);
}

const canned = document.getElementById("canned");
if (canned) {
  canned.addEventListener("change", () => {
    if (canned.value) document.getElementById("reply-text").value = canned.value;
  });
}
