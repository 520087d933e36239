// Pinned product card and "just bought" ticker on the room page. Cards arrive with every
// language and currency; each viewer shows its own, formatted by the browser.
export function formatPrice(price, currency, lang) {
  return new Intl.NumberFormat(lang, {
    style: "currency", currency, minimumFractionDigits: price.digits, maximumFractionDigits: price.digits,
  }).format(Number(price.amount));
}

export function productName(product, lang) {
  return product.names[lang] || product.names.en || Object.values(product.names)[0] || "";
}

export function bindProducts(client, root, onPinned) {
  const card = document.getElementById("pinned-card");
  const ticker = document.getElementById("ticker");
  const { currency, lang } = root.dataset;
  let current = null;
  const show = (product) => {
    current = product;
    card.hidden = !product;
    onPinned(product);
    if (!product) return;
    document.getElementById("pinned-name").textContent = productName(product, lang);
    const price = product.prices[currency];
    document.getElementById("pinned-price").textContent = price ? formatPrice(price, currency, lang) : "";
    const stock = document.getElementById("pinned-stock");
    stock.textContent = product.stock_state === "sold_out" ? stock.dataset.soldOut : "";
    const image = document.getElementById("pinned-image");
    if (product.image) image.src = product.image;
    image.hidden = !product.image;
  };
  client.addEventListener("room.snapshot", ({ detail }) => show(detail.pinned_product));
  client.addEventListener("product.pinned", ({ detail }) => show(detail.product));
  client.addEventListener("product.unpinned", () => show(null));
  client.addEventListener("product.stock", ({ detail }) => {
    if (!current || current.id !== detail.product_id) return;
    const stock = new Map(detail.variants.map((variant) => [variant.id, variant.stock]));
    current.variants = current.variants.map((variant) => ({ ...variant, stock: stock.get(variant.id) ?? variant.stock }));
    show({ ...current, stock_state: detail.stock_state });
  });
  const dealBox = document.getElementById("deal");
  let deal = null;
  const showDeal = () => {
    dealBox.hidden = !deal;
    if (!deal) return;
    const price = deal.prices[currency];
    document.getElementById("deal-price").textContent = price ? formatPrice(price, currency, lang) : "";
    document.getElementById("deal-left").textContent = dealBox.dataset.left.replace("%(count)s", deal.remaining);
  };
  setInterval(() => {
    if (!deal) return;
    const seconds = Math.max(0, Math.round((new Date(deal.ends_at) - Date.now()) / 1000));
    const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    document.getElementById("deal-countdown").textContent = dealBox.dataset.ends.replace("%(time)s", time);
    if (seconds === 0) { deal = null; showDeal(); }
  }, 1000);
  client.addEventListener("room.snapshot", ({ detail }) => { deal = detail.deal; showDeal(); });
  client.addEventListener("deal.started", ({ detail }) => { deal = detail.deal; showDeal(); });
  client.addEventListener("deal.updated", ({ detail }) => {
    if (deal && deal.id === detail.id) { deal.remaining = detail.remaining; showDeal(); }
  });
  client.addEventListener("deal.ended", () => { deal = null; showDeal(); });
  client.addEventListener("order.bought", ({ detail }) => {
    ticker.textContent = ticker.dataset.template
      .replace("%(buyer)s", detail.buyer).replace("%(product)s", detail.names.default);
    ticker.hidden = false;
    clearTimeout(ticker.timer);
    ticker.timer = setTimeout(() => { ticker.hidden = true; }, 6000);
  });
}
