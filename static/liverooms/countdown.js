// Room lists (/live/ and the home page): start times become live countdowns in the visitor's
// own clock, and the lists refresh themselves (a room going live, viewer counts, a show that
// ended) from /live/cards/ without a page reload.
const format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });
let refreshSoon = false;

function tick() {
  for (const element of document.querySelectorAll("time.countdown")) {
    const seconds = Math.round((new Date(element.dateTime) - Date.now()) / 1000);
    if (Number.isNaN(seconds)) continue;
    if (seconds === 0) refreshSoon = true; // the show should be starting: look again
    const [value, unit] = Math.abs(seconds) >= 86400 ? [seconds / 86400, "day"]
      : Math.abs(seconds) >= 3600 ? [seconds / 3600, "hour"]
      : Math.abs(seconds) >= 60 ? [seconds / 60, "minute"] : [seconds, "second"];
    element.textContent = format.format(Math.round(value), unit);
    element.title = new Date(element.dateTime).toLocaleString();
  }
}

async function refresh(lists) {
  // Never pull the form away from someone typing their e-mail for a reminder.
  if (document.hidden || lists.contains(document.activeElement)) return;
  try {
    const response = await fetch(lists.dataset.refresh, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const fresh = holder.querySelector(".room-lists");
    if (fresh && !lists.contains(document.activeElement)) {
      lists.replaceChildren(...fresh.childNodes);
      tick();
    }
  } catch {
    // offline for a moment: the next round tries again
  }
}

const lists = document.querySelector(".room-lists[data-refresh]");
tick();
setInterval(() => {
  tick();
  if (lists && refreshSoon) { refreshSoon = false; setTimeout(() => refresh(lists), 2000); }
}, 1000);
if (lists) {
  setInterval(() => refresh(lists), Number(lists.dataset.refreshMs) || 15000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(lists); });
}
