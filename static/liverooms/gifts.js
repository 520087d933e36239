// Gifts (docs/protocol.md, "Gifts and coins"): the tray a signed-in viewer sends from, their
// coins in this shop, the room's top gifters, and the animation everyone sees. Animations are
// queued so a burst plays one after another (and a long burst drops the oldest, not the page).
const PLAY_MS = 2400;
const MAX_QUEUE = 20;

const fill = (template, values) => Object.entries(values).reduce((text, [key, value]) => text.replace(`%(${key})s`, value), template || "");

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // pages served over plain http
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function art(gift, base) {
  const image = document.createElement("img");
  image.alt = "";
  image.src = gift.image || `${base}${gift.animation}.svg`;
  image.className = "gift-art";
  return image;
}

export function bindGifts(client) {
  const panel = document.getElementById("gifts");
  if (!panel) return;
  const overlay = document.getElementById("gift-overlay");
  const board = document.getElementById("gift-board");
  const tray = document.getElementById("gift-tray");
  const balance = document.getElementById("gift-balance");
  const count = document.getElementById("gift-count");
  const base = panel.dataset.art;
  const queue = [];
  let playing = false;

  function play() {
    if (playing || !queue.length) return;
    playing = true;
    const sent = queue.shift();
    const item = document.createElement("div");
    item.className = `gift-animation gift-${sent.gift.animation}`;
    item.dataset.gift = String(sent.gift.id);
    const label = document.createElement("p");
    label.textContent = fill(panel.dataset.sent, { sender: sent.sender, gift: sent.gift.name, count: sent.count });
    item.append(art(sent.gift, base), label);
    overlay.append(item);
    setTimeout(() => { item.remove(); playing = false; play(); }, PLAY_MS);
  }

  function showBoard(rows) {
    board.replaceChildren(...rows.map((row) => {
      const line = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = row.name; // textContent: names are never parsed as HTML
      const coins = document.createElement("span");
      coins.className = "coins";
      coins.textContent = row.coins;
      line.append(name, coins);
      return line;
    }));
    board.hidden = !rows.length;
    const title = document.getElementById("gift-board-title");
    if (title) title.hidden = !rows.length;
  }

  function showTray(catalogue) {
    panel.hidden = !catalogue.length;
    if (tray.hidden) return; // signed out: the board only
    tray.replaceChildren(...catalogue.map((gift) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "gift-button secondary small";
      button.dataset.giftId = String(gift.id);
      const name = document.createElement("span");
      name.textContent = `${gift.name} · ${gift.coins}`;
      button.append(art(gift, base), name);
      button.addEventListener("click", () => {
        client.send("gift.send", { gift_id: gift.id, send_id: uuid(), count: Number(count?.value || 1) });
      });
      return button;
    }));
  }

  client.addEventListener("room.snapshot", ({ detail }) => {
    const gifts = detail.gifts || { catalogue: [], leaderboard: [], balance: null };
    showTray(gifts.catalogue);
    showBoard(gifts.leaderboard);
    if (balance && gifts.balance !== null) balance.textContent = gifts.balance;
  });
  client.addEventListener("gift.sent", ({ detail }) => {
    if (queue.length >= MAX_QUEUE) queue.shift();
    queue.push(detail);
    play();
  });
  client.addEventListener("gift.leaderboard", ({ detail }) => showBoard(detail.leaderboard));
  client.addEventListener("wallet.balance", ({ detail }) => { if (balance) balance.textContent = detail.balance; });
  client.addEventListener("error", ({ detail }) => {
    if (detail.code === "insufficient_coins") panel.querySelector("#gift-buy")?.classList.add("attention");
  });
}
