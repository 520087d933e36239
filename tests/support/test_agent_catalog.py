"""The agent's catalog, size and policy tools: answers from the shop's own data, in the
shopper's language and currency, and clear refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from shop.catalog.models import SizeChart
from support.agent.models import StorePolicy
from support.agent.tools import run_tool
from support.agent.tools.catalog import recommend_size
from tests.factories import CatalogWorld
from tests.support.agent_world import Reply, ask, context

ROWS = [
    {"size": "S", "chest": [82, 88], "waist": [64, 70], "hip": [88, 94]},
    {"size": "M", "chest": [89, 95], "waist": [71, 77], "hip": [95, 101]},
    {"size": "L", "chest": [96, 102], "waist": [78, 84], "hip": [102, 108]},
]


@pytest.fixture(autouse=True)
def _builtin(settings: Any) -> None:
    settings.AI_PROVIDER = "builtin"
    settings.AI_TOKEN_DELAY = 0


@pytest.fixture
def chart(world: CatalogWorld) -> SizeChart:
    chart = SizeChart.objects.create(shop=world.shop_a, name="Dresses", rows=ROWS)
    world.dress.size_chart = chart
    world.dress.save(update_fields=["size_chart"])
    return chart


def reply(agent_context: Any, message: str) -> Reply:
    return async_to_sync(ask)(agent_context, message)


def test_price_in_the_shoppers_currency_and_language(world: CatalogWorld) -> None:
    # explicit EUR price 119.00, formatted the Spanish way
    answer = reply(context(world.shop_a, None, "es", currency="EUR"), "cuanto cuesta el silk dress")
    assert answer.tool == "product_info"
    assert "119,00" in answer.text and "€" in answer.text


def test_price_converted_when_no_explicit_price(world: CatalogWorld) -> None:
    # no explicit IDR price: from the shop's currency, EUR 119.00 -> USD (0.9) -> IDR (15850)
    result = run_tool(
        "product_info", context(world.shop_a, None, "id", currency="IDR"), {"query": "silk dress"}
    )
    assert result.ok
    assert result.data["price_from"] == "Rp2.095.722"  # 119 / 0.9 * 15,850 = 2,095,722.2


def test_colours_in_the_shoppers_language(world: CatalogWorld) -> None:
    answer = reply(context(world.shop_a, None, "es"), "que colores tiene el silk dress?")
    assert "Rojo" in answer.text


def test_product_of_another_shop_or_draft_is_not_found(world: CatalogWorld) -> None:
    agent_context = context(world.shop_a, None)
    assert run_tool("product_info", agent_context, {"query": "diver watch"}).code == (
        "product_not_found"
    )
    assert run_tool("product_info", agent_context, {"query": "wool coat"}).code == (
        "product_not_found"
    )


def test_unknown_colour_is_answered_as_not_available(world: CatalogWorld) -> None:
    result = run_tool(
        "product_info", context(world.shop_a, None), {"query": "silk dress", "colour": "green"}
    )
    assert result.ok and result.data["asked_exists"] is False


def test_size_advice_from_the_chart(world: CatalogWorld, chart: SizeChart) -> None:
    answer = reply(
        context(world.shop_a, None), "what size silk dress for me? bust 90, waist 72, hips 96"
    )
    assert answer.tool == "size_advice"
    assert "size M" in answer.text


def test_size_advice_takes_the_largest_measurement(chart: SizeChart) -> None:
    assert recommend_size(chart, {"chest": Decimal(84), "hip": Decimal(103)}, "cm") == ("L", "ok")
    assert recommend_size(chart, {"waist": Decimal(28)}, "in") == ("M", "ok")  # 71.1 cm
    assert recommend_size(chart, {"chest": Decimal(120)}, "cm") == ("L", "above")
    assert recommend_size(chart, {"chest": Decimal(70)}, "cm") == ("S", "below")


def test_size_advice_asks_for_measurements(world: CatalogWorld, chart: SizeChart) -> None:
    answer = reply(context(world.shop_a, None), "which size should I take in the silk dress?")
    assert answer.tool == "size_advice"
    assert "chest" in answer.text and "waist" in answer.text


def test_size_advice_without_a_chart_says_so(world: CatalogWorld) -> None:
    result = run_tool(
        "size_advice", context(world.shop_a, None), {"query": "silk dress", "chest": 90}
    )
    assert result.ok is False and result.code == "no_size_chart"


def test_policy_in_the_shoppers_language_with_fallback(world: CatalogWorld) -> None:
    StorePolicy.objects.create(
        shop=world.shop_a, kind="returns", language="en", title="Returns", body="Within 21 days."
    )
    StorePolicy.objects.create(
        shop=world.shop_a,
        kind="returns",
        language="es",
        title="Devoluciones",
        body="En un plazo de 21 días.",
    )
    spanish = reply(context(world.shop_a, None, "es"), "cual es la politica de devoluciones")
    assert spanish.tool == "store_policy"
    assert "21 días" in spanish.text
    # no Indonesian page: the shop's language answers
    indonesian = reply(context(world.shop_a, None, "id"), "kebijakan retur gimana?")
    assert "21 days" in indonesian.text


def test_policy_of_another_shop_is_never_quoted(world: CatalogWorld) -> None:
    StorePolicy.objects.create(
        shop=world.shop_b, kind="shipping", language="en", title="Shipping", body="Secret rates."
    )
    result = run_tool("store_policy", context(world.shop_a, None), {"topic": "shipping"})
    assert result.ok is False and result.code == "policy_not_found"


def test_merchant_edits_show_at_once(world: CatalogWorld) -> None:
    policy = StorePolicy.objects.create(
        shop=world.shop_a, kind="payment", language="en", title="Payment", body="Cards only."
    )
    agent_context = context(world.shop_a, None)
    assert "Cards only" in reply(agent_context, "payment methods?").text
    policy.body = "Cards and bank transfer."
    policy.save()
    assert "bank transfer" in reply(agent_context, "payment methods?").text


def test_follow_up_questions_use_the_product_named_before(world: CatalogWorld) -> None:
    from dataclasses import replace

    from support.agent.interface import Turn

    first = context(world.shop_a, None, "es")
    follow_up = replace(
        first,
        history=[
            Turn("shopper", "cuanto cuesta el silk dress?"),
            Turn("agent", "Silk dress cuesta 119,00 €."),
        ],
    )
    answer = reply(follow_up, "y lo tienen en rojo?")
    assert answer.tool == "product_info"
    assert "Rojo" in answer.text
