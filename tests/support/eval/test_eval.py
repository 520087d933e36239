"""Evaluation of the builtin agent on labelled shopper messages (``cases.py``), against the demo
data. Prints per-language and overall accuracy as JSON; fails below ``FLOOR``.

A case counts as correct when the agent chose an expected tool (or handed off, or answered
without a tool, as labelled) AND every key fact is in its reply.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.utils import translation

from shop.accounts.models import User
from shop.catalog.models import AttributeValue, Product
from shop.demo.services import demo_load
from shop.orders.models import Order, ReturnRequest
from shop.pricing.money import Money
from shop.pricing.selectors import FxTable, price_in
from shop.shops.models import Shop
from support.agent.interface import AgentContext
from tests.factories import make_user
from tests.support.agent_world import Reply, ask, make_order, ship
from tests.support.eval.cases import CASES
from tests.support.eval.holdout import HOLDOUT, HOLDOUT_2
from tests.support.eval.holdout3 import HOLDOUT_3

# Measured (docs/support.md): 259/261 = 0.992 overall before holdout3.py (315/319 = 0.987
# with it); cases.py 161/161 (the agent was tuned
# on it); the holdouts 39/50 and 40/50 when first run, 48/50 and 50/50 after the general fixes
# they showed.
# The floor guards against regressions on these fixed messages with a little slack.
FLOOR = 0.95
# holdout3.py was written without reading the agent's lexicon or understanding code and run
# once, unchanged: 56/58 = 0.966 (en 13/14, es 10/11, zh-hans, ar and id 11/11). The agent was
# not changed for it; any one more miss fails.
HOLDOUT_3_FLOOR = 0.96

CURRENCY = {"en": "USD", "es": "EUR", "zh-hans": "CNY", "ar": "SAR", "id": "IDR"}
ORDERS = {
    # key: (number, status, product slug, days ago, shipment)
    "A": ("SRDEMA2345", "delivered", "silk-wrap-dress", 20, ("DHL Express", "JD014600006281")),
    "B": ("SRDEMB3456", "shipped", "linen-midi-dress", 2, ("Colissimo", "6A12345678901")),
    "C": ("SRDEMC4567", "paid", "satin-slip-dress", 5, None),
    "V": ("SRVCTM5678", "shipped", "wool-trench-coat", 1, ("UPS", "1Z999AA10123456784")),
}


def _orders(shop: Shop, shopper: User, other: User) -> dict[str, Order]:
    orders = {}
    for key, (number, status, slug, days, shipment) in ORDERS.items():
        product = Product.objects.get(shop=shop, slug=slug)
        variant = product.variants.first()
        name = product.translations.get(language="en").name
        order = make_order(
            shop,
            other if key == "V" else shopper,
            number,
            product_name=name,
            variant=variant,
            days_ago=days,
        )
        if shipment:
            carrier, tracking = shipment
            scans = [("in_transit", "Roissy CDG")]
            if status == "delivered":
                scans.append(("delivered", "Jakarta"))
            ship(order, tracking, carrier=carrier, scans=scans)
        orders[key] = order
    return orders


def _price(product: Product, currency: str, language: str) -> str:
    fx = FxTable()
    amounts = [
        price_in(
            {p.currency: p.amount for p in v.prices.all()},
            currency,
            preferred_source=product.shop.default_currency,
            fx=fx,
        ).money
        for v in product.variants.all()
    ]
    low = min(amounts, key=lambda m: m.amount)
    return Money(low.amount, currency).format(language)


def _expected(fact: str, *, language: str, currency: str, orders: dict[str, Order]) -> str:
    kind, _, key = fact.partition(":")
    if kind == "$tracking":
        return orders[key].shipments.last().tracking_number
    if kind == "$number":
        return orders[key].number
    if kind == "$status":
        with translation.override(language):
            return str(Order.objects.get(pk=orders[key].pk).get_status_display())
    if kind == "$price":
        product = Product.objects.get(slug=key)
        return _price(product, currency, language)
    if kind == "$colour":
        return AttributeValue.objects.get(attribute__code="colour", code=key).name_in(language)
    return fact


def _check(
    fact: str, reply: Reply, *, language: str, currency: str, orders: dict[str, Order]
) -> bool:
    text = reply.text
    if fact.startswith("not:"):
        return not _check(fact[4:], reply, language=language, currency=currency, orders=orders)
    if fact.startswith("re:"):
        return re.search(fact[3:], text) is not None
    if fact.startswith("$return:"):
        order = orders[fact.partition(":")[2]]
        found = ReturnRequest.objects.filter(order=order).first()
        return found is not None and f"#{found.pk}" in text
    expected = _expected(fact, language=language, currency=currency, orders=orders)
    return expected.casefold() in text.casefold()


def _tool(reply: Reply) -> str:
    if reply.handoff is not None:
        return "handoff"
    return reply.tool or "none"


@pytest.mark.django_db
def test_builtin_agent_accuracy(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.AI_TOKEN_DELAY = 0
    settings.AI_PROVIDER = "builtin"
    demo_load()
    atelier = Shop.objects.get(slug="atelier-lumiere")
    meridian = Shop.objects.get(slug="meridian-horology")
    shopper = User.objects.get(email="shopper@showroom.demo")
    # The labels are written against the four orders below only; the demo's own orders for the
    # shopper (shop.demo.data.SHOPPER_ORDERS) would be the newest and answer "where is my order".
    Order.objects.filter(user=shopper).delete()
    orders = _orders(atelier, shopper, make_user("someone-else@example.test"))

    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_set: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[dict[str, Any]] = []
    labelled = (
        [("tuned", case) for case in CASES]
        + [("holdout", case) for case in HOLDOUT]
        + [("holdout_2", case) for case in HOLDOUT_2]
        + [("holdout_3", case) for case in HOLDOUT_3]
    )
    for case_set, case in labelled:
        language, shop_key, message, tools, facts = case[:5]
        options: dict[str, Any] = case[5] if len(case) > 5 else {}
        for key, order in orders.items():
            message = message.replace(f"$number:{key}", order.number)
        currency = options.get("currency", CURRENCY[language])
        context = AgentContext(
            shop=atelier if shop_key == "A" else meridian,
            shopper=None if options.get("anon") else shopper,
            language=language,
            currency=currency,
            conversation_id=0,
        )
        reply = async_to_sync(ask)(context, message)
        tool_ok = _tool(reply) in tools
        missing = [
            f
            for f in facts
            if not _check(f, reply, language=language, currency=currency, orders=orders)
        ]
        correct = tool_ok and not missing
        totals[language][0] += int(correct)
        totals[language][1] += 1
        by_set[case_set][0] += int(correct)
        by_set[case_set][1] += 1
        if not correct:
            misses.append(
                {
                    "set": case_set,
                    "language": language,
                    "message": message,
                    "expected": tools,
                    "tool": _tool(reply),
                    "missing": missing,
                    "reply": reply.text[:300],
                }
            )

    right = sum(r for r, _n in totals.values())
    count = sum(n for _r, n in totals.values())
    report = {
        "cases": count,
        "overall": round(right / count, 3),
        "per_language": {k: round(r / n, 3) for k, (r, n) in totals.items()},
        "counts": {k: f"{r}/{n}" for k, (r, n) in totals.items()},
        "per_set": {k: f"{r}/{n} = {r / n:.3f}" for k, (r, n) in by_set.items()},
        "misses": misses,
    }
    with capsys.disabled():
        print("\nAGENT_EVAL " + json.dumps(report, ensure_ascii=False, indent=1))
    assert count >= 150
    assert all(n >= 30 for _r, n in totals.values())
    assert Decimal(right) / count >= Decimal(str(FLOOR)), report["per_language"]
    holdout_3_right, holdout_3_count = by_set["holdout_3"]
    assert Decimal(holdout_3_right) / holdout_3_count >= Decimal(str(HOLDOUT_3_FLOOR)), report[
        "per_set"
    ]
