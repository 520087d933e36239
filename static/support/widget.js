// The support widget: a launcher and a chat panel over /ws/support/ (docs/protocol.md,
// "Support chat"). Streams the AI agent's replies token by token; a human's reply from the
// shop's inbox shows up the moment it is sent. No build step, no dependencies.

const root = document.getElementById("support-widget");
if (root) start(root);

function start(root) {
  const $ = (id) => document.getElementById(id);
  const strings = JSON.parse($("support-strings").textContent);
  const launcher = $("support-launcher");
  const panel = $("support-panel");
  const list = $("support-messages");
  const form = $("support-form");
  const input = $("support-input");
  const status = $("support-status");
  const badge = $("support-badge");
  const csat = $("support-csat");
  const picker = $("support-picker");
  const history = $("support-history");
  let socket = null;
  let shop = root.dataset.shop || "";
  let conversation = null;
  let unread = 0;
  let retry = 0;
  let refs = 0;
  const pending = [];

  const isOpen = () => !panel.hidden;
  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    sessionStorage.setItem("support-open", open ? "1" : "");
    if (open) {
      unread = 0;
      badge.hidden = true;
      connect();
      input.focus();
    }
  }
  launcher.addEventListener("click", () => setOpen(!isOpen()));
  $("support-close").addEventListener("click", () => setOpen(false));

  async function connect() {
    if (socket) return;
    if (!shop) shop = localStorage.getItem("support-shop") || "";
    let config = { shops: [] };
    try {
      const response = await fetch(root.dataset.config, { credentials: "same-origin" });
      config = await response.json();
    } catch (error) {
      /* offline: the socket below will say so */
    }
    if (!shop && config.shops.length === 1) shop = config.shops[0].slug;
    if (!shop || !config.shops.some((s) => s.slug === shop)) {
      if (!config.shops.length) return;
      showPicker(config.shops);
      return;
    }
    open();
  }

  function showPicker(shops) {
    const select = $("support-shop");
    select.replaceChildren(
      ...shops.map((s) => Object.assign(document.createElement("option"), { value: s.slug, textContent: s.name })),
    );
    picker.hidden = false;
    form.hidden = true;
    $("support-shop-go").onclick = () => {
      shop = select.value;
      localStorage.setItem("support-shop", shop);
      picker.hidden = true;
      form.hidden = false;
      open();
    };
  }

  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const params = new URLSearchParams({
      shop,
      lang: root.dataset.lang || document.documentElement.lang,
      origin: root.dataset.origin || location.pathname,
    });
    if (root.dataset.room) params.set("room", root.dataset.room);
    socket = new WebSocket(`${scheme}://${location.host}/ws/support/?${params}`);
    socket.addEventListener("open", () => {
      retry = 0;
      root.dataset.connected = "1";
      while (pending.length) socket.send(pending.shift());
    });
    socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      socket = null;
      root.dataset.connected = "";
      if (event.code === 4003 || event.code === 4004) return;
      status.textContent = strings.offline;
      retry = Math.min(retry + 1, 6);
      setTimeout(open, 500 * 2 ** retry);
    });
  }

  function send(body) {
    const frame = JSON.stringify({ ...body, ref: `w${++refs}` });
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(frame);
    else {
      pending.push(frame);
      connect();
    }
  }

  function handle(event) {
    switch (event.type) {
      case "support.snapshot":
        conversation = event.conversation;
        list.replaceChildren();
        event.messages.forEach((message) => upsert(message));
        showStatus();
        showHistory(event.history);
        csat.hidden = !(conversation && conversation.csat_requested && !conversation.csat_score);
        break;
      case "support.sent":
        if (!conversation || conversation.id !== event.conversation_id) conversation = { id: event.conversation_id, status: "agent" };
        break;
      case "support.message":
        if (event.reply) list.querySelector(`[data-reply="${event.reply}"]`)?.remove();
        upsert(event.message);
        if (!isOpen() && event.message.sender !== "shopper") {
          unread += 1;
          badge.textContent = String(unread);
          badge.hidden = false;
        }
        break;
      case "agent.start":
        list.append(bubble("agent", "", { reply: event.reply }));
        scroll();
        break;
      case "agent.delta": {
        const line = list.querySelector(`[data-reply="${event.reply}"] .support-text`);
        if (line) line.textContent += event.text;
        scroll();
        break;
      }
      case "agent.done": {
        const streamed = list.querySelector(`[data-reply="${event.reply}"]`);
        if (event.message) upsert(event.message, streamed);
        else streamed?.remove();
        break;
      }
      case "support.status":
        conversation = event.conversation;
        showStatus();
        break;
      case "support.csat_request":
        csat.hidden = false;
        scroll();
        break;
      case "support.rated":
        csat.hidden = true;
        note(strings.thanks);
        break;
      case "error":
        if (event.code !== "rate_limited") note(event.message || strings.error);
        break;
    }
  }

  function showStatus() {
    const state = conversation ? conversation.status : "agent";
    root.dataset.status = state;
    const text = strings[`status_${state}`] || "";
    status.textContent = text.replace("%(name)s", (conversation && conversation.assigned_to) || strings.human);
  }

  function showHistory(items) {
    const past = items.filter((item) => !conversation || item.id !== conversation.id);
    history.hidden = past.length === 0 && !conversation;
    const ul = $("support-history-list");
    ul.replaceChildren(
      ...past.map((item) => {
        const li = document.createElement("li");
        const button = Object.assign(document.createElement("button"), { type: "button", className: "link" });
        button.textContent = item.preview || strings.conversation.replace("%(date)s", new Date(item.created_at).toLocaleDateString());
        button.addEventListener("click", () => send({ type: "support.open", conversation_id: item.id }));
        li.append(button);
        return li;
      }),
    );
  }
  $("support-new").addEventListener("click", () => send({ type: "support.new" }));

  function bubble(sender, text, { id, reply, author, original, interrupted } = {}) {
    const li = document.createElement("li");
    li.className = `support-line from-${sender}`;
    if (id) li.dataset.message = id;
    if (reply) li.dataset.reply = reply;
    const who = document.createElement("span");
    who.className = "support-who";
    who.textContent = sender === "shopper" ? strings.you : sender === "human" ? author || strings.human : strings.agent;
    const body = document.createElement("span");
    body.className = "support-text";
    body.dir = "auto"; // a message keeps its own direction inside a right-to-left page
    body.textContent = text;
    li.append(who, body);
    if (interrupted) li.append(Object.assign(document.createElement("span"), { className: "support-cut", textContent: ` ${strings.interrupted}` }));
    if (original && original !== text) {
      li.title = original;
      body.addEventListener("click", () => {
        const showing = body.dataset.original === "1";
        body.textContent = showing ? text : original;
        body.dataset.original = showing ? "" : "1";
      });
    }
    return li;
  }

  function upsert(message, replace = null) {
    const existing = list.querySelector(`[data-message="${message.id}"]`);
    const line = bubble(message.sender, message.text, {
      id: message.id,
      author: message.author,
      original: message.original,
      interrupted: message.interrupted,
    });
    if (existing) existing.replaceWith(line);
    else if (replace) replace.replaceWith(line);
    else list.append(line);
    if (existing && replace) replace.remove();
    scroll();
  }

  function note(text) {
    const li = document.createElement("li");
    li.className = "support-note";
    li.textContent = text;
    list.append(li);
    scroll();
  }

  const scroll = () => (list.scrollTop = list.scrollHeight);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send({ type: "support.send", text });
    input.value = "";
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  csat.addEventListener("submit", (event) => {
    event.preventDefault();
    const score = Number(new FormData(csat).get("score"));
    if (!score) return;
    send({ type: "support.rate", score, comment: $("support-csat-comment").value.trim() });
  });

  if (sessionStorage.getItem("support-open")) setOpen(true);
}
