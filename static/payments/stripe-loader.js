// Loads Stripe.js once (from STRIPE_JS_URL: js.stripe.com, or localstripe's stand-in in tests).
export function loadStripe(src) {
  return new Promise((resolve, reject) => {
    if (window.Stripe) return resolve(window.Stripe);
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve(window.Stripe);
    script.onerror = () => reject(new Error("Stripe.js could not be loaded"));
    document.head.append(script);
  });
}
