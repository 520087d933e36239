// The hold countdown on the confirm page: counts down to the hold's expiry, then says so.
const timer = document.getElementById("hold-timer");
if (timer) {
  const deadline = Date.now() + Number(timer.dataset.seconds) * 1000;
  const output = document.getElementById("hold-countdown");
  const button = document.getElementById("confirm-button");
  const tick = () => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    output.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) {
      clearInterval(handle);
      timer.textContent = timer.dataset.expiredText;
      timer.classList.add("notice");
      timer.setAttribute("role", "alert");
      if (button) button.disabled = true;
    }
  };
  const handle = setInterval(tick, 1000);
  tick();
}
