// Stripe payment page. Stripe.js collects the card (a PaymentMethod); our server confirms the
// PaymentIntent it created with an idempotency key; when the bank asks for 3-D Secure,
// Stripe.js runs it here; then the order page asks the server for the outcome.
import { loadStripe } from "./stripe-loader.js";

const form = document.getElementById("stripe-form");

async function confirmOnServer(paymentMethodId) {
  const body = new FormData();
  body.append("payment_method", paymentMethodId);
  body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
  const response = await fetch(form.dataset.confirm, { method: "POST", body, credentials: "same-origin" });
  return response.json();
}

if (form) {
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("stripe-pay");
  loadStripe(form.dataset.js).then((Stripe) => {
    const stripe = Stripe(form.dataset.key);
    const card = stripe.elements().create("card");
    card.mount("#card-element");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      errors.textContent = "";
      try {
        const created = await stripe.createPaymentMethod({ type: "card", card });
        if (created.error) throw new Error(created.error.message);
        const outcome = await confirmOnServer(created.paymentMethod.id);
        if (outcome.status === "error") throw new Error(outcome.error);
        if (outcome.status === "requires_action") {
          const action = await stripe.confirmCardPayment(outcome.client_secret);
          if (action.error) throw new Error(action.error.message || "Authentication failed");
        }
        window.location.assign(outcome.redirect);
      } catch (error) {
        errors.textContent = error.message;
        button.disabled = false;
      }
    });
  }).catch((error) => { errors.textContent = error.message; });
}
