"""Catalog reads for the storefront and the API: published products, in a language and currency.

Everything a page shows is loaded with a fixed number of queries (prefetching translations,
images, variants and prices) and turned into plain dataclasses the templates and serializers use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404

from shop.accounts.models import User
from shop.catalog.models import (
    AttributeValue,
    Category,
    Product,
    ProductStatus,
    Variant,
)
from shop.pricing.money import Money
from shop.pricing.selectors import FxTable, NoPriceError, Price, price_in
from shop.shops.selectors import shop_ids_for_user


@dataclass(frozen=True)
class ProductFilters:
    query: str = ""
    category: Category | None = None
    shop_slug: str = ""
    option_values: tuple[int, ...] = ()
    in_stock: bool = False
    sort: str = "newest"  # newest | featured


def category_with_descendants(category: Category) -> list[int]:
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(
            Category.objects.filter(parent_id__in=frontier, is_active=True).values_list(
                "id", flat=True
            )
        )
        ids += frontier
    return ids


def products_visible_to(user: User | None) -> QuerySet[Product]:
    """Published products of active shops, plus drafts of the viewer's own shops."""
    visible = Q(status=ProductStatus.PUBLISHED)
    if user is not None and user.is_authenticated:
        if user.is_superuser:
            visible = Q()
        else:
            visible |= Q(shop_id__in=shop_ids_for_user(user))
    return Product.objects.filter(visible, shop__is_active=True)


def product_queryset(
    filters: ProductFilters, *, user: User | None = None, include_drafts: bool = False
) -> QuerySet[Product]:
    products = (
        products_visible_to(user)
        if include_drafts
        else Product.objects.filter(status=ProductStatus.PUBLISHED, shop__is_active=True)
    )
    if filters.query:
        terms = filters.query.split()[:8]
        for term in terms:
            products = products.filter(
                Q(translations__name__icontains=term)
                | Q(translations__description__icontains=term)
                | Q(variants__sku__iexact=term)
            )
    if filters.category is not None:
        products = products.filter(category_id__in=category_with_descendants(filters.category))
    if filters.shop_slug:
        products = products.filter(shop__slug=filters.shop_slug)
    if filters.option_values:
        # Values of the same attribute are alternatives (OR); different attributes narrow (AND).
        by_attribute: dict[int, list[int]] = {}
        for attribute_id, value_id in AttributeValue.objects.filter(
            id__in=filters.option_values
        ).values_list("attribute_id", "id"):
            by_attribute.setdefault(attribute_id, []).append(value_id)
        for value_ids in by_attribute.values():
            products = products.filter(
                variants__option_values__in=value_ids, variants__is_active=True
            )
    if filters.in_stock:
        products = products.annotate(
            total_stock=Sum("variants__stock", filter=Q(variants__is_active=True))
        ).filter(total_stock__gt=0)
    products = products.distinct()
    if filters.sort == "featured":
        return products.order_by("-is_featured", "-published_at", "-id")
    return products.order_by("-published_at", "-id")


def with_display_data(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.select_related("shop", "category").prefetch_related(
        "translations",
        "images",
        Prefetch(
            "variants",
            queryset=Variant.objects.filter(is_active=True).prefetch_related(
                "prices", "option_values__attribute"
            ),
        ),
    )


@dataclass(frozen=True)
class VariantView:
    id: int
    sku: str
    options: dict[str, str]  # attribute name -> value name, in the display language
    option_codes: dict[str, str]  # attribute code -> value code
    stock: int
    price: Price | None
    compare_at: Money | None


@dataclass(frozen=True)
class ProductView:
    id: int
    slug: str
    shop_slug: str
    shop_name: str
    name: str
    description: str
    language: str  # the language the text is actually in (after fallback)
    category: str
    status: str
    images: list[tuple[str, str, str]]  # (image url, thumbnail url, alt)
    variants: list[VariantView] = field(default_factory=list)

    @property
    def from_price(self) -> Price | None:
        prices = [v.price for v in self.variants if v.price is not None]
        return min(prices, key=lambda p: p.money.amount) if prices else None

    @property
    def has_price_range(self) -> bool:
        return len({v.price.money.amount for v in self.variants if v.price is not None}) > 1

    @property
    def total_stock(self) -> int:
        return sum(v.stock for v in self.variants)

    @property
    def thumbnail(self) -> str:
        return self.images[0][1] if self.images else ""

    @property
    def stock_state(self) -> str:
        return stock_state(self.total_stock)


def stock_state(total: int) -> str:
    """What a shopper is told about the stock of a product: sold out, low, or in stock."""
    if total <= 0:
        return "sold_out"
    return "low" if total <= 5 else "in_stock"


def product_text(product: Product, language: str) -> tuple[str, str, str]:
    """(name, description, language used): requested language, shop default, then any."""
    texts = {t.language: t for t in product.translations.all()}
    for candidate in (language, product.shop.default_language, *texts):
        if candidate in texts:
            chosen = texts[candidate]
            return chosen.name, chosen.description, candidate
    return product.slug, "", product.shop.default_language


def variant_price(variant: Variant, *, currency: str, fx: FxTable) -> Price:
    """The variant's unit price in ``currency`` (explicit, else FX). Raises NoPriceError.

    Uses prefetched ``prices`` and ``product.shop`` when present.
    """
    explicit = {p.currency: p.amount for p in variant.prices.all()}
    return price_in(
        explicit, currency, preferred_source=variant.product.shop.default_currency, fx=fx
    )


def variant_label(variant: Variant, language: str) -> str:
    """ "Red / M" style label from the variant's option values, or its SKU."""
    values = sorted(variant.option_values.all(), key=lambda v: (v.attribute.position, v.position))
    return " / ".join(v.name_in(language) for v in values) or variant.sku


def _variant_view(
    variant: Variant, *, language: str, currency: str, fx: FxTable, shop_currency: str
) -> VariantView:
    explicit = {p.currency: p.amount for p in variant.prices.all()}
    try:
        price: Price | None = price_in(explicit, currency, preferred_source=shop_currency, fx=fx)
    except NoPriceError:
        price = None
    compare = next(
        (p.compare_at for p in variant.prices.all() if p.currency == currency and p.compare_at),
        None,
    )
    values = sorted(variant.option_values.all(), key=lambda v: (v.attribute.position, v.position))
    return VariantView(
        id=variant.pk,
        sku=variant.sku,
        options={v.attribute.name_in(language): v.name_in(language) for v in values},
        option_codes={v.attribute.code: v.code for v in values},
        stock=variant.stock,
        price=price,
        compare_at=Money(compare, currency) if compare is not None else None,
    )


def product_view(product: Product, *, language: str, currency: str, fx: FxTable) -> ProductView:
    name, description, used_language = product_text(product, language)
    return ProductView(
        id=product.pk,
        slug=product.slug,
        shop_slug=product.shop.slug,
        shop_name=product.shop.name,
        name=name,
        description=description,
        language=used_language,
        category=product.category.name_in(language) if product.category else "",
        status=product.status,
        images=[
            (
                image.image.url,
                image.thumbnail.url if image.thumbnail else image.image.url,
                image.alt,
            )
            for image in product.images.all()
        ],
        variants=[
            _variant_view(
                variant,
                language=language,
                currency=currency,
                fx=fx,
                shop_currency=product.shop.default_currency,
            )
            for variant in product.variants.all()
        ],
    )


def product_views(
    products: list[Product] | QuerySet[Product], *, language: str, currency: str
) -> list[ProductView]:
    fx = FxTable()
    return [product_view(p, language=language, currency=currency, fx=fx) for p in products]


def product_get_for_display(
    *, shop_slug: str, slug: str, user: User | None, language: str, currency: str
) -> ProductView:
    """A product page's data; drafts only for staff of its shop. Raises Http404 otherwise."""
    product = (
        with_display_data(products_visible_to(user)).filter(shop__slug=shop_slug, slug=slug).first()
    )
    if product is None:
        raise Http404("No such product")
    return product_view(product, language=language, currency=currency, fx=FxTable())


def filterable_attributes(
    products: QuerySet[Product], language: str
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Attribute facets present among ``products``: [(attribute name, [(value id, name)])]."""
    values = (
        AttributeValue.objects.filter(
            variants__product__in=products.values("id"), variants__is_active=True
        )
        .select_related("attribute")
        .distinct()
    )
    facets: dict[tuple[int, str], list[tuple[int, str, int]]] = {}
    for value in values:
        key = (value.attribute.position, value.attribute.name_in(language))
        facets.setdefault(key, []).append((value.pk, value.name_in(language), value.position))
    return [
        (name, [(vid, vname) for vid, vname, _pos in sorted(items, key=lambda i: (i[2], i[1]))])
        for (_position, name), items in sorted(facets.items())
    ]


def categories_for_menu(language: str) -> list[tuple[str, str]]:
    return [
        (c.slug, c.name_in(language))
        for c in Category.objects.filter(is_active=True, parent__isnull=True)
    ]


__all__ = [
    "ProductFilters",
    "ProductView",
    "VariantView",
    "categories_for_menu",
    "filterable_attributes",
    "product_get_for_display",
    "product_queryset",
    "product_views",
    "variant_label",
    "variant_price",
    "with_display_data",
]
