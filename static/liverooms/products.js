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
  const show = (product) => {
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
  client.addEventListener("order.bought", ({ detail }) => {
    ticker.textContent = ticker.dataset.template
      .replace("%(buyer)s", detail.buyer).replace("%(product)s", detail.names.default);
    ticker.hidden = false;
    clearTimeout(ticker.timer);
    ticker.timer = setTimeout(() => { ticker.hidden = true; }, 6000);
  });
}
