// /consultations/: keeps the open slots live over /ws/consultations/<service>/slots/ and
// detects the buyer's time zone. Protocol: docs/protocol.md, "Consultation slots".
const TZ_COOKIE = "showroom_tz";

function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

// First visit: use the browser's zone unless the page was asked for one explicitly.
function detectTimeZone() {
  const params = new URLSearchParams(location.search);
  let detected = "";
  try {
    detected = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return;
  }
  const select = document.getElementById("tz-select");
  if (!detected || params.has("tz") || cookie(TZ_COOKIE)) return;
  if (select && ![...select.options].some((option) => option.value === detected)) return;
  const current = select ? select.dataset.current : "UTC";
  document.cookie = `${TZ_COOKIE}=${encodeURIComponent(detected)}; path=/; max-age=31536000; samesite=lax`;
  if (detected !== current) {
    params.set("tz", detected);
    location.replace(`${location.pathname}?${params}`);
  }
}

class SlotBoard {
  constructor(section) {
    this.section = section;
    this.tz = section.dataset.tz;
    this.service = section.dataset.service;
    this.windowStart = Date.parse(section.dataset.windowStart);
    this.windowEnd = Date.parse(section.dataset.windowEnd);
    this.days = section.querySelector("#slot-days");
    this.empty = section.querySelector("#no-slots");
    this.status = section.querySelector("#live-status");
    const lang = document.documentElement.lang || undefined;
    this.dayKey = new Intl.DateTimeFormat("en-CA", {
      timeZone: this.tz, year: "numeric", month: "2-digit", day: "2-digit",
    });
    this.dayLabel = new Intl.DateTimeFormat(lang, {
      timeZone: this.tz, weekday: "long", day: "numeric", month: "long",
    });
    this.timeLabel = new Intl.DateTimeFormat(lang, {
      timeZone: this.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    this.retry = 500;
  }

  key(slot) {
    return `${slot.consultant_id}|${Math.floor(Date.parse(slot.starts_at) / 1000)}`;
  }

  remove(slot) {
    const item = this.days.querySelector(`li[data-slot="${this.key(slot)}"]`);
    if (!item) return;
    const day = item.closest(".slot-day");
    item.remove();
    if (day && !day.querySelector("li")) day.remove();
    this.refreshEmpty();
  }

  add(slot) {
    const start = Date.parse(slot.starts_at);
    if (start < this.windowStart || start >= this.windowEnd || start < Date.now()) return;
    if (this.days.querySelector(`li[data-slot="${this.key(slot)}"]`)) return;
    const date = this.dayKey.format(new Date(start));
    let day = this.days.querySelector(`.slot-day[data-date="${date}"]`);
    if (!day) {
      day = document.createElement("div");
      day.className = "slot-day";
      day.dataset.date = date;
      const heading = document.createElement("h3");
      heading.textContent = this.dayLabel.format(new Date(start));
      const list = document.createElement("ul");
      list.className = "slot-list";
      day.append(heading, list);
      const later = [...this.days.querySelectorAll(".slot-day")].find((d) => d.dataset.date > date);
      this.days.insertBefore(day, later || null);
    }
    const list = day.querySelector("ul");
    const item = this.item(slot, start);
    const later = [...list.children].find((li) => Number(li.dataset.start) > start / 1000);
    list.insertBefore(item, later || null);
    item.classList.add("just-released");
    this.refreshEmpty();
  }

  item(slot, start) {
    const item = document.createElement("li");
    item.dataset.slot = this.key(slot);
    item.dataset.start = String(Math.floor(start / 1000));
    const form = document.createElement("form");
    form.method = "post";
    form.action = this.section.dataset.holdUrl;
    const fields = {
      csrfmiddlewaretoken: this.section.dataset.csrf,
      service: this.service,
      consultant: String(slot.consultant_id),
      starts_at: slot.starts_at,
      tz: this.tz,
    };
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "slot";
    const time = document.createElement("time");
    time.dateTime = slot.starts_at;
    time.textContent = this.timeLabel.format(new Date(start));
    button.append(time);
    form.append(button);
    item.append(form);
    return item;
  }

  snapshot(event) {
    const open = new Set(event.slots.map((slot) => this.key(slot)));
    for (const item of [...this.days.querySelectorAll("li[data-slot]")]) {
      if (!open.has(item.dataset.slot)) {
        const [consultant, seconds] = item.dataset.slot.split("|");
        this.remove({ consultant_id: consultant, starts_at: new Date(seconds * 1000).toISOString() });
      }
    }
    for (const slot of event.slots) this.add(slot);
  }

  refreshEmpty() {
    if (this.empty) this.empty.hidden = Boolean(this.days.querySelector("li"));
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}${this.section.dataset.wsPath}?tz=${encodeURIComponent(this.tz)}`;
    const socket = new WebSocket(url);
    this.status.dataset.state = "connecting";
    socket.addEventListener("open", () => {
      this.retry = 500;
      this.status.dataset.state = "live";
    });
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "slot.taken") this.remove(event);
      else if (event.type === "slot.released") this.add(event);
      else if (event.type === "slots.snapshot") this.snapshot(event);
    });
    socket.addEventListener("close", (closed) => {
      this.status.dataset.state = "offline";
      if (closed.code === 4004) return; // the service is gone
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 15000);
    });
    this.socket = socket;
  }
}

detectTimeZone();
const section = document.getElementById("slots");
if (section) {
  const board = new SlotBoard(section);
  window.slotBoard = board; // for tests and debugging
  board.connect();
}
