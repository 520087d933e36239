// Checkout: changing country or shipping method recomputes shipping and total on the server.
const form = document.getElementById("checkout-form");
if (form) {
  for (const input of form.querySelectorAll("[data-refresh]")) {
    input.addEventListener("change", () => {
      const action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = "refresh";
      form.append(action);
      form.submit();
    });
  }
}
