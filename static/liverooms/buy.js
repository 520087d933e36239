// The in-room checkout drawer (live rooms, consultation calls): quote on every change, pay with
// one request, never leave the page (playback keeps going). A Stripe shop collects the card here with Stripe.js; 3-D Secure
// runs in Stripe's own overlay, still on the room page.
import { loadStripe } from "../payments/stripe-loader.js";

function stripeCard() {
  const mount = document.getElementById("buy-card-element");
  if (!mount) return null;
  let ready = null;
  return {
    mount() {
      ready ||= loadStripe(mount.dataset.js).then((Stripe) => {
        const stripe = Stripe(mount.dataset.key);
        const card = stripe.elements().create("card");
        card.mount(mount);
        return { stripe, card };
      });
      return ready;
    },
    async paymentMethod() {
      const { stripe, card } = await this.mount();
      const created = await stripe.createPaymentMethod({ type: "card", card });
      if (created.error) throw new Error(created.error.message);
      return created.paymentMethod.id;
    },
    async authenticate(clientSecret) {
      const { stripe } = await this.mount();
      const action = await stripe.confirmCardPayment(clientSecret);
      if (action.error) throw new Error(action.error.message || "Authentication failed");
    },
  };
}

export function bindDrawer(root, getProduct) {
  const drawer = document.getElementById("buy-drawer");
  if (!drawer) return;
  const form = document.getElementById("buy-form");
  const errorBox = document.getElementById("buy-error");
  const done = document.getElementById("buy-done");
  const shipping = document.getElementById("buy-shipping");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const stripe = stripeCard();
  const post = async (url, body) => {
    const response = await fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrf } });
    return response.json().catch(() => ({ ok: false, message: response.statusText }));
  };

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

  // Opens the drawer for `product` (its variants with stock) under `title`.
  function open(product, title) {
    document.getElementById("drawer-title").textContent = title;
    form.variant.replaceChildren(...product.variants.map((variant) => {
      const option = Object.assign(document.createElement("option"), { value: variant.id, textContent: variant.label, disabled: variant.stock <= 0 });
      return option;
    }));
    const firstInStock = product.variants.find((variant) => variant.stock > 0);
    if (firstInStock) form.variant.value = firstInStock.id;
    done.hidden = true;
    drawer.showModal();
    stripe?.mount().catch((error) => { errorBox.textContent = error.message; errorBox.hidden = false; });
    quote();
  }
  // The room page's pinned card has one Buy button; other pages call the returned open().
  document.getElementById("buy-now")?.addEventListener("click", () => {
    const product = getProduct?.();
    if (product) open(product, document.getElementById("pinned-name").textContent);
  });
  document.getElementById("drawer-close").addEventListener("click", () => drawer.close());
  for (const name of ["variant", "quantity", "country"]) form[name].addEventListener("change", quote);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("buy-pay");
    button.disabled = true;
    errorBox.hidden = true;
    let body;
    try {
      const data = new FormData(form);
      if (stripe) data.append("payment_method", await stripe.paymentMethod());
      body = await post(root.dataset.buy, data);
      if (body.ok && body.status === "requires_action" && body.client_secret) {
        await stripe.authenticate(body.client_secret);
        body = await post(body.check_url, new FormData());
      }
    } catch (error) {
      body = { ok: false, message: error.message };
    }
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
  return { open };
}
