"""Catalog tools: product questions (stock, colours, sizes, price in the shopper's currency)
and size advice from the product's size chart. Only published products of the conversation's
shop are visible.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from shop.catalog.models import AttributeValue, Product, ProductStatus, SizeChart, Variant
from shop.catalog.selectors import product_text, stock_state
from shop.pricing.money import Money
from shop.pricing.selectors import FxTable, NoPriceError, price_in
from support.agent.interface import AgentContext
from support.agent.search import Index
from support.agent.text import fuzzy_equal, normalise, tokens
from support.agent.tools import Tool, ToolResult, register

INCH = Decimal("2.54")


def _products(context: AgentContext) -> QuerySet[Product]:
    return (
        Product.objects.filter(
            shop=context.shop, status=ProductStatus.PUBLISHED, shop__is_active=True
        )
        .select_related("shop", "category", "size_chart")
        .prefetch_related(
            "translations",
            Prefetch(
                "variants",
                queryset=Variant.objects.filter(is_active=True).prefetch_related(
                    "prices", "option_values__attribute"
                ),
            ),
        )
    )


def find_product(context: AgentContext, query: str) -> Product | None:
    """The shop's product ``query`` names best (names in every language, then category)."""
    index: Index[Product] = Index()
    for product in _products(context):
        fields = [(t.name, 3) for t in product.translations.all()]
        fields.append((product.slug.replace("-", " "), 2))
        if product.category:
            fields += [(name, 1) for name in product.category.names.values()]
        index.add(product, fields)
    found = index.search(query, limit=2)
    if not found or found[0][1] < 1.0:
        return None
    return found[0][0]


def find_option(query: str, attribute: str) -> str | None:
    """The code of the ``attribute`` value (colour...) ``query`` names, in any language."""
    query_tokens = set(tokens(query))
    if not query_tokens:
        return None
    best: tuple[int, str] | None = None
    for value in AttributeValue.objects.filter(attribute__code=attribute):
        for name in [value.code, *value.names.values()]:
            name_tokens = tokens(name)
            if not name_tokens:
                continue
            exact = all(t in query_tokens for t in name_tokens)
            close = exact or all(any(fuzzy_equal(t, q) for q in query_tokens) for t in name_tokens)
            if close and (best is None or len(name_tokens) > best[0]):
                best = (len(name_tokens) + (1 if exact else 0), value.code)
    return best[1] if best else None


def _options(variant: Variant, attribute: str) -> list[AttributeValue]:
    return [v for v in variant.option_values.all() if v.attribute.code == attribute]


def _price_range(
    variants: list[Variant], context: AgentContext, fx: FxTable
) -> tuple[str, str] | None:
    amounts: list[Money] = []
    for variant in variants:
        explicit = {p.currency: p.amount for p in variant.prices.all()}
        try:
            price = price_in(
                explicit,
                context.currency,
                preferred_source=context.shop.default_currency,
                fx=fx,
            )
        except NoPriceError:
            continue
        amounts.append(price.money)
    if not amounts:
        return None
    low = min(amounts, key=lambda m: m.amount)
    high = max(amounts, key=lambda m: m.amount)
    return low.format(context.language), high.format(context.language)


def product_info(
    context: AgentContext,
    query: str,
    colour: str | None = None,
    size: str | None = None,
) -> ToolResult:
    """What the catalog says about the product ``query`` names, optionally one colour/size."""
    product = find_product(context, query)
    if product is None:
        return ToolResult(False, "product_not_found", {"query": query[:100]})
    language = context.language
    name, _description, _used = product_text(product, language)
    variants = list(product.variants.all())
    colour_code = find_option(colour, "colour") if colour else None
    size_code = (size or "").strip().casefold() or None
    colours: dict[str, str] = {}
    sizes: dict[str, str] = {}
    for variant in variants:
        for value in _options(variant, "colour"):
            colours.setdefault(value.code, value.name_in(language))
        for value in _options(variant, "size") + _options(variant, "case-size"):
            sizes.setdefault(value.code, value.name_in(language))
    matching = [
        v
        for v in variants
        if (colour_code is None or any(o.code == colour_code for o in _options(v, "colour")))
        and (
            size_code is None
            or any(o.code == size_code for o in _options(v, "size") + _options(v, "case-size"))
        )
    ]
    # Every variant axis (colour, size, case size, strap...) with its values and those in stock.
    options: dict[str, dict[str, Any]] = {}
    for variant in variants:
        for value in variant.option_values.all():
            axis = options.setdefault(
                value.attribute.code,
                {"name": value.attribute.name_in(language), "values": [], "in_stock": []},
            )
            label = value.name_in(language)
            if label not in axis["values"]:
                axis["values"].append(label)
            if variant.stock > 0 and label not in axis["in_stock"]:
                axis["in_stock"].append(label)
    fx = FxTable()
    price = _price_range(matching or variants, context, fx)
    data: dict[str, Any] = {
        "product": name,
        "colours": list(colours.values()),
        "sizes": list(sizes.values()),
        "stock": stock_state(sum(v.stock for v in variants)),
        "in_stock_colours": sorted(
            {o.name_in(language) for v in variants if v.stock > 0 for o in _options(v, "colour")}
        ),
        "in_stock_sizes": [
            label
            for code, label in sizes.items()
            if any(
                v.stock > 0
                and any(o.code == code for o in _options(v, "size") + _options(v, "case-size"))
                for v in variants
            )
        ],
        "options": options,
        "price_from": price[0] if price else None,
        "price_to": price[1] if price else None,
        "currency": context.currency,
        "has_size_chart": product.size_chart_id is not None,
    }
    if colour or size:
        data["asked"] = {
            "colour": colours.get(colour_code or "", colour),
            "size": sizes.get(size_code or "", size.upper() if size else None),
        }
        data["asked_exists"] = bool(matching) and (colour is None or colour_code is not None)
        data["asked_stock"] = (
            stock_state(sum(v.stock for v in matching)) if data["asked_exists"] else "sold_out"
        )
    return ToolResult(True, "ok", data)


def recommend_size(
    chart: SizeChart, measured: dict[str, Decimal], unit: str
) -> tuple[str | None, str]:
    """(size label, fit): the smallest size whose ranges hold every measurement.

    Each measurement picks the first row whose maximum is not below it; the largest of those
    picks wins (a garment must fit the widest part). ``fit`` is "ok", "below" (smaller than the
    smallest size) or "above" (larger than the largest: no size fits).
    """
    rows = chart.rows or []
    factor = Decimal(1)
    if unit != chart.unit:
        factor = INCH if unit == "in" else 1 / INCH
    chosen = -1
    fit = "ok"
    used = False
    for column, value in measured.items():
        value = value * factor
        ranges = [row.get(column) for row in rows]
        if not any(ranges):
            continue
        used = True
        index = next((i for i, r in enumerate(ranges) if r and value <= Decimal(str(r[1]))), None)
        if index is None:
            return str(rows[-1]["size"]), "above"
        first = next(r for r in ranges if r)
        if index == 0 and value < Decimal(str(first[0])):
            fit = "below" if fit == "ok" and chosen < 0 else fit
        chosen = max(chosen, index)
    if not used or chosen < 0:
        return None, "no_columns"
    return str(rows[chosen]["size"]), fit


def size_advice(
    context: AgentContext,
    query: str = "",
    chest: float | str | None = None,
    waist: float | str | None = None,
    hip: float | str | None = None,
    foot: float | str | None = None,
    unit: str = "cm",
) -> ToolResult:
    """The size to take of the product ``query`` names from its chart and the measurements."""
    product = find_product(context, query) if query else None
    chart = product.size_chart if product is not None else None
    if chart is None:
        chart = SizeChart.objects.filter(shop=context.shop).order_by("id").first()
    name = product_text(product, context.language)[0] if product else None
    if chart is None:
        return ToolResult(False, "no_size_chart", {"product": name})
    measured: dict[str, Decimal] = {}
    for column, raw in (("chest", chest), ("waist", waist), ("hip", hip), ("foot", foot)):
        if raw in (None, ""):
            continue
        try:
            measured[column] = Decimal(str(raw).replace(",", "."))
        except ArithmeticError:
            continue
    columns = [c for c in SizeChart.COLUMNS if any(row.get(c) for row in chart.rows or [])]
    base = {"product": name, "chart": chart.name, "columns": columns, "unit": chart.unit}
    if not measured:
        return ToolResult(True, "need_measurements", base)
    size, fit = recommend_size(chart, measured, normalise(unit or "cm")[:2])
    if size is None:
        return ToolResult(True, "need_measurements", base)
    return ToolResult(True, "ok", {**base, "size": size, "fit": fit})


register(
    Tool(
        "product_info",
        "Facts about a product of this shop from the catalog: colours, sizes, stock, price in "
        "the shopper's currency. Optionally for one colour and/or size.",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "The product as the shopper named it."},
                "colour": {"type": "string"},
                "size": {"type": "string", "description": "A size label such as S, M, L."},
            },
            "required": ["query"],
        },
        product_info,
    )
)
register(
    Tool(
        "size_advice",
        "Recommend a size from the product's size chart and the shopper's body measurements.",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "The product, if named."},
                "chest": {"type": "number"},
                "waist": {"type": "number"},
                "hip": {"type": "number"},
                "foot": {"type": "number", "description": "Foot length."},
                "unit": {"type": "string", "enum": ["cm", "in"]},
            },
        },
        size_advice,
    )
)
