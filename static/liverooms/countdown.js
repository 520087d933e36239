// Upcoming shows: replace the start time with a live countdown in the visitor's own clock.
const format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });
function tick() {
  for (const element of document.querySelectorAll("time.countdown")) {
    const seconds = Math.round((new Date(element.dateTime) - Date.now()) / 1000);
    if (Number.isNaN(seconds)) continue;
    const [value, unit] = Math.abs(seconds) >= 86400 ? [seconds / 86400, "day"]
      : Math.abs(seconds) >= 3600 ? [seconds / 3600, "hour"]
      : Math.abs(seconds) >= 60 ? [seconds / 60, "minute"] : [seconds, "second"];
    element.textContent = format.format(Math.round(value), unit);
    element.title = new Date(element.dateTime).toLocaleString();
  }
}
tick();
setInterval(tick, 1000);
