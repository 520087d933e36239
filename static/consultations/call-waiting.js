// The call's waiting page: a countdown to the moment the room opens, then the call page.
const gate = document.getElementById("call-waiting");
const opensAt = new Date(gate.dataset.opens);
const label = document.getElementById("opens-in");
const format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });

function tick() {
  const seconds = Math.round((opensAt - Date.now()) / 1000);
  if (seconds <= 0) { location.reload(); return; }
  const [value, unit] = seconds >= 86400 ? [seconds / 86400, "day"]
    : seconds >= 3600 ? [seconds / 3600, "hour"]
    : seconds >= 60 ? [seconds / 60, "minute"] : [seconds, "second"];
  label.textContent = format.format(Math.round(value), unit);
  label.title = opensAt.toLocaleString();
  setTimeout(tick, seconds > 120 ? 15000 : 1000);
}
tick();
