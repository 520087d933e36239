"""Reply templates of the builtin agent: one per intent and tool outcome, filled from tool data
and translated with Django's gettext in the conversation's language. Nothing here answers a
particular question; the facts always come from the tools.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from support.agent.tools import ToolResult


def _join(items: list[str], language: str) -> str:
    separator = {"zh-hans": "、", "ar": "، "}.get(language, ", ")
    return separator.join(items)


def handoff(reason: str) -> str:
    if reason == "frustration":
        return _(
            "I'm sorry this has been frustrating. I'm passing you to a member of our team now; "
            "they will see our whole conversation and reply here."
        )
    if reason == "cancel":
        return _(
            "I can't cancel orders myself, so I'm passing you to a member of our team; they "
            "will see our whole conversation and reply here shortly."
        )
    if reason == "failures":
        return _(
            "I'm sorry I couldn't help with that. I'm passing you to a member of our team; "
            "they will see our whole conversation and reply here shortly."
        )
    return _(
        "Of course. I'm passing you to a member of our team; they will see our whole "
        "conversation and reply here shortly."
    )


def fallback() -> str:
    return _(
        "Sorry, I'm having trouble answering right now. Please try again in a moment, or ask "
        "for a person and our team will help."
    )


def greeting() -> str:
    return _(
        "Hello! I'm the shop's assistant. I can check your orders and deliveries, start a "
        "return, and answer questions about products, sizes and our shipping, returns and "
        "payment policies."
    )


def thanks() -> str:
    return _("You're welcome! Is there anything else I can help you with?")


def not_understood() -> str:
    return _(
        "Sorry, I didn't quite understand. I can help with your orders and deliveries, "
        "returns, sizes, our products, and our shipping, returns and payment policies. "
        "You can also ask for a person."
    )


def _account_problem(result: ToolResult) -> str | None:
    if result.code == "sign_in":
        return _(
            "Please sign in so I can look up your orders: I can only see the orders of the "
            "account you are signed in with."
        )
    if result.code == "no_orders":
        return _("I couldn't find any orders on your account in this shop.")
    if result.code == "order_not_found":
        return _(
            "I couldn't find order %(number)s on your account. Please check the number in "
            "your confirmation e-mail."
        ) % {"number": result.data.get("number", "")}
    return None


def _tracking_sentence(shipment: dict[str, Any]) -> str:
    event = shipment.get("last_event")
    text = _("Carrier: %(carrier)s, tracking number %(tracking)s.") % {
        "carrier": shipment["carrier"],
        "tracking": shipment["tracking_number"],
    }
    if event:
        where = f" ({event['location']})" if event.get("location") else ""
        text += " " + _("Latest update on %(date)s: %(status)s%(where)s.") % {
            "date": event["date"],
            "status": event["status_label"],
            "where": where,
        }
    if shipment.get("tracking_url"):
        text += " " + _("Track it here: %(url)s") % {"url": shipment["tracking_url"]}
    return text


def order_status(result: ToolResult) -> str:
    problem = _account_problem(result)
    if problem:
        return problem
    data = result.data
    text = _("Your order %(number)s (placed on %(date)s, %(total)s) is: %(status)s.") % {
        "number": data["number"],
        "date": data["placed_on"],
        "total": data["total"],
        "status": data["status_label"],
    }
    for shipment in data.get("shipments", [])[-1:]:
        text += " " + _tracking_sentence(shipment)
    return text


def shipment_tracking(result: ToolResult) -> str:
    problem = _account_problem(result)
    if problem:
        return problem
    data = result.data
    if result.code == "not_shipped":
        return _(
            "Your order %(number)s has not shipped yet (status: %(status)s). You will get the "
            "tracking number by e-mail as soon as it leaves us."
        ) % {"number": data["number"], "status": data["status_label"]}
    shipment = data["shipments"][-1]
    if shipment.get("delivered"):
        intro = _("Your order %(number)s has been delivered.") % {"number": data["number"]}
    else:
        intro = _("Your order %(number)s is on its way (status: %(status)s).") % {
            "number": data["number"],
            "status": data["status_label"],
        }
    return intro + " " + _tracking_sentence(shipment)


def return_request(result: ToolResult) -> str:
    problem = _account_problem(result)
    if problem:
        return problem
    data = result.data
    if result.code == "which_order":
        return _("Which order would you like to return? Your recent orders: %(orders)s.") % {
            "orders": ", ".join(data["orders"])
        }
    if result.code == "not_returnable":
        return _(
            "Order %(number)s can't be returned at the moment (status: %(status)s). If you "
            "think this is wrong, ask for a person and our team will look at it."
        ) % {"number": data["number"], "status": data["status_label"]}
    if result.code == "already_requested":
        return _(
            "A return for order %(number)s is already open (request #%(id)s). Our team will "
            "get back to you by e-mail."
        ) % {"number": data["number"], "id": data["return_id"]}
    return _(
        "I've started a return for order %(number)s (request #%(id)s). Our team will e-mail "
        "you the return instructions; the refund is made once the items are back with us."
    ) % {"number": data["number"], "id": data["return_id"]}


def _stock_words(state: str) -> str:
    return {
        "in_stock": _("in stock"),
        "low": _("in stock, only a few left"),
        "sold_out": _("sold out at the moment"),
    }[state]


def product_info(result: ToolResult, aspects: set[str], language: str) -> str:
    if not result.ok:
        return _(
            "I couldn't find that product in our catalog. Could you tell me its name, or "
            "paste the link to its page?"
        )
    data = result.data
    product = data["product"]
    parts: list[str] = []
    asked = data.get("asked")
    if asked:
        label = " / ".join(v for v in (asked.get("colour"), asked.get("size")) if v)
        if not data.get("asked_exists"):
            parts.append(
                _("%(product)s doesn't come in %(option)s.") % {"product": product, "option": label}
            )
            aspects = aspects | {"colours", "sizes"}
        else:
            parts.append(
                _("%(product)s in %(option)s: %(stock)s.")
                % {"product": product, "option": label, "stock": _stock_words(data["asked_stock"])}
            )
    general = not aspects and not asked
    if general or "price" in aspects:
        if data["price_from"] is None:
            parts.append(_("It isn't sold in %(currency)s.") % {"currency": data["currency"]})
        elif data["price_from"] == data["price_to"]:
            parts.append(
                _("%(product)s costs %(price)s.")
                % {"product": product, "price": data["price_from"]}
            )
        else:
            parts.append(
                _("%(product)s costs from %(low)s to %(high)s, depending on the option.")
                % {"product": product, "low": data["price_from"], "high": data["price_to"]}
            )
    if (general or "colours" in aspects) and data["colours"]:
        parts.append(_("Colours: %(colours)s.") % {"colours": _join(data["colours"], language)})
    if (general or "sizes" in aspects) and data["sizes"]:
        text = _("Sizes: %(sizes)s.") % {"sizes": _join(data["sizes"], language)}
        if data["stock"] != "sold_out" and data["in_stock_sizes"] != data["sizes"]:
            text += " " + _("In stock now: %(sizes)s.") % {
                "sizes": _join(data["in_stock_sizes"], language)
            }
        parts.append(text)
    if general:
        for code, axis in data.get("options", {}).items():
            if code in ("colour", "size", "case-size") or not axis["values"]:
                continue
            parts.append(f"{axis['name']}: {_join(axis['values'], language)}.")
    if (general or "stock" in aspects) and not asked:
        parts.append(
            _("%(product)s is %(stock)s.")
            % {"product": product, "stock": _stock_words(data["stock"])}
        )
        if data["stock"] != "sold_out" and data["colours"] and "colours" not in aspects:
            parts.append(
                _("Available colours: %(colours)s.")
                % {"colours": _join(data["in_stock_colours"], language)}
            )
    return " ".join(parts)


COLUMN_NAMES = {
    "chest": lambda: _("chest"),
    "waist": lambda: _("waist"),
    "hip": lambda: _("hips"),
    "foot": lambda: _("foot length"),
}


def size_advice(result: ToolResult, language: str) -> str:
    if not result.ok:
        return _("I'm sorry, there is no size chart for that product yet.")
    data = result.data
    product = data.get("product") or data["chart"]
    if result.code == "need_measurements":
        columns = _join([COLUMN_NAMES[c]() for c in data["columns"]], language)
        return _(
            "To recommend a size for %(product)s, please tell me your %(columns)s "
            "measurements (in cm or inches)."
        ) % {"product": product, "columns": columns}
    values = {"product": product, "size": data["size"], "chart": data["chart"]}
    if data["fit"] == "above":
        return (
            _(
                "Your measurements are above our largest size (%(size)s) in the size chart of "
                "%(product)s; I'd rather not guess. Ask for a person and our team will advise you."
            )
            % values
        )
    if data["fit"] == "below":
        return (
            _(
                "Our smallest size, %(size)s, will be the closest fit for %(product)s (size chart: "
                "%(chart)s)."
            )
            % values
        )
    return (
        _("From the size chart of %(product)s I recommend size %(size)s for your measurements.")
        % values
    )


def store_policy(result: ToolResult) -> str:
    if not result.ok:
        return _("I couldn't find a store policy about that.")
    return f"{result.data['title']}: {result.data['body']}"


def compose(intent: str, result: ToolResult | None, aspects: set[str], language: str) -> str:
    """The reply for ``intent`` and its tool ``result`` in ``language``."""
    with translation.override(language):
        if result is None:
            return {"greeting": greeting, "thanks": thanks}.get(intent, not_understood)()
        tool = intent_tool(intent)
        if tool == "product_info":
            return product_info(result, aspects, language)
        if tool == "size_advice":
            return size_advice(result, language)
        return {
            "order_status": order_status,
            "shipment_tracking": shipment_tracking,
            "return_request": return_request,
            "store_policy": store_policy,
        }[tool](result)


INTENT_TOOLS = {
    "order_status": "order_status",
    "tracking": "shipment_tracking",
    "return": "return_request",
    "size": "size_advice",
    "product": "product_info",
    "policy": "store_policy",
}


def intent_tool(intent: str) -> str:
    return INTENT_TOOLS[intent]
