// Product page: show price, stock and SKU of the chosen variant without a reload.
const data = document.getElementById("variants-data");
const picker = document.getElementById("variant-picker");
if (data && picker) {
  const variants = new Map(JSON.parse(data.textContent).map((v) => [String(v.id), v]));
  const price = document.getElementById("variant-price");
  const converted = document.getElementById("variant-converted");
  const stock = document.getElementById("variant-stock");
  const sku = document.getElementById("variant-sku");
  const show = () => {
    const variant = variants.get(picker.value);
    if (!variant) return;
    if (variant.price) price.textContent = variant.price;
    converted.hidden = !variant.converted;
    sku.textContent = variant.sku;
    const state = variant.stock <= 0 ? "soldOut" : variant.stock <= 5 ? "low" : "inStock";
    stock.textContent = stock.dataset[state];
    stock.className = `stock stock-${state}`;
  };
  picker.addEventListener("change", show);
  show();
}
