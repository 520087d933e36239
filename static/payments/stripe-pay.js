// Stripe payment page: confirm the PaymentIntent created by the server with Stripe.js,
// then go to the order page, which asks the server for the outcome (webhooks confirm it too).
const form = document.getElementById("stripe-form");

function loadStripe(src) {
  return new Promise((resolve, reject) => {
    if (window.Stripe) return resolve(window.Stripe);
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve(window.Stripe);
    script.onerror = () => reject(new Error("Stripe.js could not be loaded"));
    document.head.append(script);
  });
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
      const result = await stripe.confirmCardPayment(form.dataset.secret, { payment_method: { card } });
      if (result.error) {
        errors.textContent = result.error.message;
        button.disabled = false;
        return;
      }
      window.location.assign(form.dataset.return);
    });
  }).catch((error) => { errors.textContent = error.message; });
}
