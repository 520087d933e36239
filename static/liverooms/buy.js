// The in-room checkout drawer: quote on every change, pay with one request, never leave the
// page (playback keeps going).
export function bindDrawer(root, getProduct) {
  const drawer = document.getElementById("buy-drawer");
  if (!drawer) return;
  const form = document.getElementById("buy-form");
  const errorBox = document.getElementById("buy-error");
  const done = document.getElementById("buy-done");
  const shipping = document.getElementById("buy-shipping");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  async function quote() {
    const params = new URLSearchParams({
      variant: form.variant.value, quantity: form.quantity.value || "1", country: form.country.value,
      shipping_rate: form.querySelector("[name=shipping_rate]:checked")?.value || "",
    });
    const response = await fetch(`${root.dataset.quote}?${params}`);
    if (!response.ok) return;
    const body = await response.json();
    shipping.replaceChildren(...body.shipping_options.map((option) => {
      const label = document.createElement("label");
      label.className = "option";
      const radio = Object.assign(document.createElement("input"), { type: "radio", name: "shipping_rate", value: option.id, checked: option.id === body.shipping });
      radio.addEventListener("change", quote);
      const text = document.createElement("span");
      text.textContent = `${option.name} · ${option.price}`;
      label.append(radio, text);
      return label;
    }));
    document.getElementById("buy-total").textContent = body.total;
    document.getElementById("buy-expected").value = body.expected_total;
    errorBox.hidden = !body.problems.length;
    errorBox.textContent = body.problems.join(" ");
  }

  document.getElementById("buy-now").addEventListener("click", () => {
    const product = getProduct();
    if (!product) return;
    document.getElementById("drawer-title").textContent = document.getElementById("pinned-name").textContent;
    form.variant.replaceChildren(...product.variants.map((variant) => {
      const option = Object.assign(document.createElement("option"), { value: variant.id, textContent: variant.label, disabled: variant.stock <= 0 });
      return option;
    }));
    const firstInStock = product.variants.find((variant) => variant.stock > 0);
    if (firstInStock) form.variant.value = firstInStock.id;
    done.hidden = true;
    drawer.showModal();
    quote();
  });
  document.getElementById("drawer-close").addEventListener("click", () => drawer.close());
  for (const name of ["variant", "quantity", "country"]) form[name].addEventListener("change", quote);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("buy-pay");
    button.disabled = true;
    errorBox.hidden = true;
    const response = await fetch(root.dataset.buy, { method: "POST", body: new FormData(form), headers: { "X-CSRFToken": csrf } });
    const body = await response.json().catch(() => ({ ok: false, message: response.statusText }));
    button.disabled = false;
    if (body.ok && body.status === "paid") {
      done.textContent = body.message;
      done.hidden = false;
      return;
    }
    if (body.ok && (body.pay_url || body.confirm_url)) {
      window.open(body.pay_url || body.confirm_url, "_blank", "noopener");
      return;
    }
    errorBox.textContent = body.message || Object.values(body.errors || {}).flat().join(" ");
    errorBox.hidden = false;
  });
}
