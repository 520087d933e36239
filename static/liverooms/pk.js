// PK links (docs/protocol.md, "PK"): two live rooms linked so each room's viewers watch both
// hosts side by side. The room page splits its stage while a battle runs; the host console
// invites another live room, answers an invitation, cancels or ends the battle, and plays the
// other room's host. State comes from the snapshot's `pk` and the pk.* events.
import { Viewer } from "./rtc.js";

const clock = (endsAt) => {
  const left = Math.max(0, Math.round((new Date(endsAt) - Date.now()) / 1000));
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
};

// The battle this page shows: a newer battle replaces it, and an event about an older one
// (an invitation that lapsed late) changes nothing.
class PkState {
  constructor(slug) { this.slug = slug; this.pk = null; }

  apply(pk) {
    if (pk && this.pk && pk.id < this.pk.id) return false;
    this.pk = pk && ["invited", "active"].includes(pk.status) ? pk : null;
    return true;
  }

  get active() { return this.pk?.status === "active" ? this.pk : null; }

  get other() {
    if (!this.pk) return null;
    return this.pk.inviter.slug === this.slug ? this.pk.invitee : this.pk.inviter;
  }

  get inviting() { return this.pk?.inviter.slug === this.slug; }
}

function follow(client, state, render) {
  client.addEventListener("room.snapshot", ({ detail }) => { state.pk = null; state.apply(detail.pk || null); render(); });
  for (const type of ["pk.invited", "pk.started", "pk.ended"]) {
    client.addEventListener(type, ({ detail }) => { if (state.apply(detail.pk)) render(); });
  }
}

// Room page: split stage (own room's publishers first, the linked room's beside them), a bar
// with both rooms and the time left.
export function bindPkStage(client, { stage, bar, slug }) {
  const state = new PkState(slug);
  const own = bar.querySelector("[data-pk-own]");
  const other = bar.querySelector("[data-pk-other]");
  const left = bar.querySelector("[data-pk-clock]");
  let timer = null;
  const tick = () => { if (state.active) left.textContent = clock(state.active.ends_at); };
  const render = () => {
    const pk = state.active;
    bar.hidden = !pk;
    clearInterval(timer);
    if (!pk) { delete stage.dataset.pk; return; }
    stage.dataset.pk = "active";
    const mine = state.inviting ? pk.inviter : pk.invitee;
    own.textContent = mine.hosts[0] || mine.title;
    other.textContent = state.other.hosts[0] || state.other.title;
    other.href = bar.dataset.roomUrl.replace("__slug__", encodeURIComponent(state.other.slug));
    other.title = state.other.title;
    tick();
    timer = setInterval(tick, 1000);
  };
  follow(client, state, render);
  bindPkScore(client, state, bar);
  // Tiles carry their room so the linked room's host sits on the far side.
  const tag = ({ detail }) => {
    for (const publisher of detail.publishers || []) {
      const video = stage.querySelector(`video[data-identity="${CSS.escape(publisher.identity)}"]`);
      if (video) video.dataset.linked = String(publisher.room !== slug);
    }
  };
  client.addEventListener("room.snapshot", tag);
  client.addEventListener("rtc.publishers", tag);
  return state;
}

// The score bar (gift coins + weighted likes per room, liverooms.gifts.pk_score): live from
// pk.score, final (with the winner) from pk.ended, shown for a while after the end.
function bindPkScore(client, state, bar) {
  const box = bar.querySelector("[data-pk-score]");
  if (!box) return;
  const own = box.querySelector("[data-pk-score-own]");
  const other = box.querySelector("[data-pk-score-other]");
  const meter = box.querySelector("[data-pk-meter]");
  let hideTimer = null;
  const show = (pk, scores) => {
    if (!scores) { box.hidden = true; return; }
    const mine = pk.inviter.slug === state.slug ? scores.inviter : scores.invitee;
    const theirs = pk.inviter.slug === state.slug ? scores.invitee : scores.inviter;
    own.textContent = Math.round(mine);
    other.textContent = Math.round(theirs);
    meter.value = mine + theirs > 0 ? mine / (mine + theirs) : 0.5;
    box.hidden = false;
    delete box.dataset.result;
  };
  client.addEventListener("room.snapshot", ({ detail }) => show(detail.pk, detail.pk?.status === "active" ? detail.pk.scores : null));
  client.addEventListener("pk.started", ({ detail }) => show(detail.pk, detail.pk.scores));
  client.addEventListener("pk.score", ({ detail }) => { if (state.active?.id === detail.id) show(state.active, detail); });
  client.addEventListener("pk.ended", ({ detail }) => {
    const scores = detail.pk.scores;
    if (!scores?.final) return;
    show(detail.pk, scores);
    const rooms = { [detail.pk.inviter.slug]: detail.pk.inviter, [detail.pk.invitee.slug]: detail.pk.invitee };
    const winner = rooms[scores.winner];
    box.dataset.result = scores.draw ? "draw" : (scores.winner === state.slug ? "won" : "lost");
    box.title = scores.draw ? box.dataset.draw : box.dataset.won.replace("%(room)s", winner?.hosts[0] || winner?.title || "");
    bar.hidden = false;
    bar.querySelector("[data-pk-clock]").textContent = box.title;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { if (!state.active) { bar.hidden = true; box.hidden = true; } }, 10000);
  });
}

// Host console: invite, answer, cancel, end; the other host's video while linked.
export function bindPkConsole(client, { root, slug, act, iceServers = [], self = "" }) {
  const state = new PkState(slug);
  const form = root.querySelector("#pk-invite-form");
  const target = root.querySelector("#pk-target");
  const status = root.querySelector("#pk-state");
  const incoming = root.querySelector("#pk-incoming");
  const cancel = root.querySelector("#pk-cancel");
  const end = root.querySelector("#pk-end");
  const listen = root.querySelector("#pk-listen");
  const opponent = new Viewer(client, root.querySelector("#pk-opponent"), { iceServers, self });
  const text = (key, values = {}) => Object.entries(values).reduce((s, [k, v]) => s.replace(`%(${k})s`, v), root.dataset[key] || key);
  let timer = null;

  async function loadRooms() {
    const response = await fetch(root.dataset.rooms);
    if (!response.ok) return;
    const { rooms } = await response.json();
    const chosen = target.value;
    target.replaceChildren(...rooms.map((room) => Object.assign(document.createElement("option"), {
      value: room.slug,
      textContent: `${room.title} · ${room.shop}${room.busy ? ` (${text("busy")})` : ""}`,
      disabled: room.busy,
    })));
    if (!rooms.length) target.append(Object.assign(document.createElement("option"), { value: "", textContent: text("none"), disabled: true }));
    if (chosen) target.value = chosen;
  }

  const render = () => {
    const pk = state.pk;
    const other = state.other;
    clearInterval(timer);
    form.hidden = Boolean(pk);
    incoming.hidden = !(pk?.status === "invited" && !state.inviting);
    cancel.hidden = !(pk?.status === "invited" && state.inviting);
    end.hidden = pk?.status !== "active";
    listen.hidden = pk?.status !== "active" || !opponent.muted;
    root.dataset.pk = pk?.status || "";
    if (!pk) { status.textContent = ""; loadRooms().catch(() => {}); return; }
    if (pk.status === "invited") {
      status.textContent = text(state.inviting ? "waiting" : "invited", { room: other.title });
      return;
    }
    const tick = () => { status.textContent = text("running", { room: other.title, time: clock(pk.ends_at) }); };
    tick();
    timer = setInterval(tick, 1000);
  };
  follow(client, state, render);
  // Live score (ours : theirs) beside the status; the final one stays after the end.
  const score = document.createElement("strong");
  score.className = "pk-console-score";
  status.after(score);
  const showScore = (pk, scores) => {
    if (!pk || !scores) { score.textContent = ""; return; }
    const ours = pk.inviter.slug === slug ? scores.inviter : scores.invitee;
    const theirs = pk.inviter.slug === slug ? scores.invitee : scores.inviter;
    score.textContent = `${Math.round(ours)} : ${Math.round(theirs)}`;
  };
  client.addEventListener("room.snapshot", ({ detail }) => showScore(detail.pk, detail.pk?.scores));
  client.addEventListener("pk.started", ({ detail }) => showScore(detail.pk, detail.pk.scores));
  client.addEventListener("pk.score", ({ detail }) => { if (state.active?.id === detail.id) showScore(state.active, detail); });
  client.addEventListener("pk.ended", ({ detail }) => { if (detail.pk.scores?.final) showScore(detail.pk, detail.pk.scores); });

  const showOpponent = ({ detail }) => opponent.setPublishers((detail.publishers || []).filter((p) => p.room && p.room !== slug));
  client.addEventListener("room.snapshot", (event) => { showOpponent(event); opponent.refresh(); });
  client.addEventListener("rtc.publishers", showOpponent);

  target.addEventListener("focus", () => loadRooms().catch(() => {}));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act("pk_invite", Object.fromEntries(new FormData(form)));
  });
  root.querySelector("#pk-accept").addEventListener("click", () => act("pk_accept"));
  root.querySelector("#pk-decline").addEventListener("click", () => act("pk_decline"));
  cancel.addEventListener("click", () => act("pk_cancel"));
  end.addEventListener("click", () => act("pk_end"));
  listen.addEventListener("click", () => { opponent.unmute(); listen.hidden = true; });
  return state;
}
