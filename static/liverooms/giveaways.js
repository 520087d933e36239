// Giveaways and live-only coupon drops: the room page's cards (bindGiveaways) and the host
// console's part (bindGiveawayConsole). Every user-provided text goes in with textContent.
const fill = (template, values) =>
  template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? "")).replace("%%", "%");

function clock(until) {
  const seconds = Math.max(0, Math.round((new Date(until) - Date.now()) / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

export function bindGiveaways(client, root) {
  const card = document.getElementById("giveaway-card");
  const couponCard = document.getElementById("coupon-card");
  if (!card || !couponCard) return;
  const part = (name) => card.querySelector(`[data-giveaway-${name}]`);
  const couponPart = (name) => couponCard.querySelector(`[data-coupon-${name}]`);
  const enterButton = document.getElementById("giveaway-enter");
  const claimButton = document.getElementById("coupon-claim");
  const giveawayRefs = new Set(); // refs of our own messages: their errors show on the card
  const couponRefs = new Set();
  let giveaway = null;
  let coupon = null;

  function showError(box, message) {
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box.timer);
    box.timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function tick() {
    if (!giveaway) return;
    const text = card.dataset;
    part("clock").textContent = giveaway.status === "open"
      ? fill(text.closes, { time: clock(giveaway.closes_at) })
      : giveaway.status === "drawn" ? text.drawn : text.closed;
  }

  function render() {
    card.hidden = !giveaway;
    if (!giveaway) return;
    const text = card.dataset;
    part("prize").textContent = giveaway.prize;
    const rules = [fill(text.winners, { count: giveaway.winners_count })];
    if (giveaway.eligibility.bought_in_room) rules.push(text.purchase);
    if (giveaway.eligibility.countries.length) rules.push(fill(text.countries, { countries: giveaway.eligibility.countries.join(", ") }));
    part("rules").textContent = rules.join(" · ");
    part("entries").textContent = fill(text.entries, { count: giveaway.entries });
    const open = giveaway.status === "open";
    const entry = giveaway.you?.entry;
    if (enterButton) enterButton.hidden = !open || Boolean(entry);
    const keyword = part("keyword");
    keyword.hidden = !open || !giveaway.keyword || Boolean(entry);
    keyword.textContent = fill(text.keyword, { keyword: giveaway.keyword });
    const you = part("you");
    you.hidden = !entry;
    const won = (giveaway.winners || []).some((winner) => winner.handle === entry);
    you.textContent = won ? `${text.won} ${entry}` : fill(text.you, { entry });
    you.classList.toggle("giveaway-won", won);
    const winners = part("winners");
    winners.hidden = !giveaway.winners;
    winners.querySelector("ol").replaceChildren(...(giveaway.winners || []).map((winner) => {
      const item = document.createElement("li");
      item.textContent = winner.handle;
      return item;
    }));
    part("hash").textContent = `${giveaway.seed_hash.slice(0, 16)}…`;
    part("hash").title = giveaway.seed_hash;
    part("verify").href = giveaway.verify_url;
    tick();
  }

  function renderCoupon() {
    couponCard.hidden = !coupon;
    if (!coupon) return;
    const text = couponCard.dataset;
    const currency = root.dataset.currency;
    couponPart("value").textContent = coupon.kind === "percentage"
      ? fill(text.percent, { value: Number(coupon.percentage) })
      : fill(text.off, { value: `${coupon.amounts[currency] ?? Object.values(coupon.amounts)[0] ?? ""} ${coupon.amounts[currency] ? currency : Object.keys(coupon.amounts)[0] ?? ""}` });
    couponPart("name").textContent = coupon.name || "";
    couponPart("left").textContent = coupon.status === "active"
      ? fill(text.left, { count: coupon.remaining, total: coupon.total })
      : coupon.remaining === 0 ? text.soldOut : text.ended;
    const codes = coupon.you?.codes || [];
    if (claimButton) claimButton.hidden = coupon.status !== "active" || codes.length >= coupon.per_shopper;
    const holder = couponPart("codes");
    holder.hidden = !codes.length;
    holder.querySelector("span").replaceChildren(...codes.map((code) => {
      const element = document.createElement("code");
      element.className = "coupon-code";
      element.textContent = code;
      return element;
    }));
  }

  client.addEventListener("room.snapshot", ({ detail }) => {
    giveaway = detail.giveaway || null;
    coupon = detail.coupon || null;
    render();
    renderCoupon();
  });
  client.addEventListener("giveaway.opened", ({ detail }) => { giveaway = { ...detail.giveaway, you: { entry: null } }; render(); });
  client.addEventListener("giveaway.drawn", ({ detail }) => { giveaway = { ...detail.giveaway, you: giveaway?.you }; render(); });
  client.addEventListener("giveaway.entries", ({ detail }) => {
    if (giveaway?.id === detail.id) { giveaway.entries = detail.count; render(); }
  });
  client.addEventListener("giveaway.closed", ({ detail }) => {
    if (giveaway?.id === detail.id) { giveaway.status = "closed"; giveaway.entries = detail.entries; render(); }
  });
  client.addEventListener("giveaway.entered", ({ detail }) => {
    if (giveaway?.id === detail.id) { giveaway.you = { entry: detail.entry }; render(); }
  });
  client.addEventListener("coupon.dropped", ({ detail }) => { coupon = { ...detail.coupon, you: { codes: [] } }; renderCoupon(); });
  client.addEventListener("coupon.updated", ({ detail }) => {
    if (coupon?.id === detail.id) { coupon.remaining = Math.min(coupon.remaining, detail.remaining); renderCoupon(); }
  });
  client.addEventListener("coupon.claimed", ({ detail }) => {
    if (coupon?.id !== detail.id) return;
    coupon.you = { codes: [...(coupon.you?.codes || []), detail.code] };
    renderCoupon();
  });
  client.addEventListener("coupon.closed", ({ detail }) => {
    if (coupon?.id === detail.id) { coupon.status = "closed"; coupon.remaining = detail.remaining; renderCoupon(); }
  });
  client.addEventListener("error", ({ detail }) => {
    if (giveawayRefs.has(detail.ref)) showError(part("error"), detail.message);
    if (couponRefs.has(detail.ref)) showError(couponPart("error"), detail.message);
  });
  enterButton?.addEventListener("click", () => {
    const ref = client.send("giveaway.enter", giveaway ? { id: giveaway.id } : {});
    if (ref) giveawayRefs.add(ref);
  });
  claimButton?.addEventListener("click", () => {
    const ref = client.send("coupon.claim", coupon ? { id: coupon.id } : {});
    if (ref) couponRefs.add(ref);
  });
  setInterval(tick, 1000);
}

export function bindGiveawayConsole(client, { root, act }) {
  if (!root) return;
  const state = document.getElementById("giveaway-state");
  const winners = document.getElementById("giveaway-winners");
  const couponState = document.getElementById("coupon-state");
  let giveaway = null;
  let coupon = null;

  function render() {
    const text = root.dataset;
    state.textContent = giveaway
      ? fill(text.state, { prize: giveaway.prize, status: text[giveaway.status] || giveaway.status, count: giveaway.entries })
      : text.none;
    document.getElementById("giveaway-close").disabled = giveaway?.status !== "open";
    document.getElementById("giveaway-draw").disabled = !giveaway || giveaway.status === "drawn";
    winners.replaceChildren(...(giveaway?.winners || []).map((winner) => {
      const item = document.createElement("li");
      item.textContent = winner.handle;
      return item;
    }));
    couponState.textContent = coupon?.status === "active"
      ? fill(text.couponState, { count: coupon.remaining, total: coupon.total }) : text.couponNone;
    document.getElementById("coupon-stop").disabled = coupon?.status !== "active";
  }

  client.addEventListener("room.snapshot", ({ detail }) => { giveaway = detail.giveaway; coupon = detail.coupon; render(); });
  client.addEventListener("giveaway.opened", ({ detail }) => { giveaway = detail.giveaway; render(); });
  client.addEventListener("giveaway.drawn", ({ detail }) => { giveaway = detail.giveaway; render(); });
  client.addEventListener("giveaway.entries", ({ detail }) => { if (giveaway?.id === detail.id) { giveaway.entries = detail.count; render(); } });
  client.addEventListener("giveaway.closed", ({ detail }) => {
    if (giveaway?.id === detail.id) { giveaway.status = "closed"; giveaway.entries = detail.entries; render(); }
  });
  client.addEventListener("coupon.dropped", ({ detail }) => { coupon = detail.coupon; render(); });
  client.addEventListener("coupon.updated", ({ detail }) => { if (coupon?.id === detail.id) { coupon.remaining = detail.remaining; render(); } });
  client.addEventListener("coupon.closed", ({ detail }) => {
    if (coupon?.id === detail.id) { coupon.status = "closed"; coupon.remaining = detail.remaining; render(); }
  });

  const fields = (form) => Object.fromEntries(new FormData(form).entries());
  document.getElementById("giveaway-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await act("giveaway_open", fields(event.target));
    if (result.ok) event.target.reset();
  });
  document.getElementById("giveaway-close").addEventListener("click", () => act("giveaway_close", giveaway ? { giveaway_id: giveaway.id } : {}));
  document.getElementById("giveaway-draw").addEventListener("click", () => act("giveaway_draw", giveaway ? { giveaway_id: giveaway.id } : {}));
  document.getElementById("coupon-form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    act("coupon_drop", fields(event.target));
  });
  document.getElementById("coupon-stop").addEventListener("click", () => act("coupon_stop"));
  render();
}
