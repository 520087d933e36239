"""Machine-translated drafts of product text, and the merchant's approval of them.

On publication, every site language without product text gets a draft (origin "machine",
not reviewed) from the configured engine; storefronts keep showing the fallback language
until the merchant approves it in the admin. Approval stores the pair in the translation
memory as a human translation, so the builtin engine reuses it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from shop.accounts.models import User
from shop.catalog.models import Product, ProductStatus, ProductTranslation, TranslationOrigin
from support.translation.models import MemoryOrigin
from support.translation.services import memory_store, translate_text

logger = logging.getLogger(__name__)


def product_queue_drafts(*, product: Product) -> None:
    """After commit, queue the drafts job for a product that was just published."""
    from support.translation.tasks import draft_product_translations

    product_id = product.pk
    transaction.on_commit(lambda: draft_product_translations.delay(product_id))


def _source_text(product: Product) -> ProductTranslation | None:
    """The text drafts are made from: the shop's default language, else any reviewed text."""
    texts = [t for t in product.translations.all() if t.reviewed]
    preferred = [product.shop.default_language, settings.LANGUAGE_CODE]
    for language in preferred:
        for text in texts:
            if text.language == language:
                return text
    return texts[0] if texts else None


def product_draft_translations(*, product_id: int) -> list[str]:
    """Create machine drafts for the languages a published product has no text in.

    Idempotent (one row per product and language; existing rows, drafts or not, are never
    touched). A language whose text the engine could not translate gets no draft. Returns
    the languages drafted.
    """
    product = Product.objects.select_related("shop").filter(pk=product_id).first()
    if product is None or product.status != ProductStatus.PUBLISHED:
        return []
    source = _source_text(product)
    if source is None:
        return []
    existing = {t.language for t in product.translations.all()}
    drafted: list[str] = []
    for language in settings.LANGUAGE_CODES:
        if language in existing:
            continue
        common = {"target": language, "source": source.language, "shop": product.shop_id}
        name = translate_text(text=source.name, **common)
        if not name.translated:
            logger.info("no %s draft for product %s: nothing translated it", language, product_id)
            continue
        description = translate_text(text=source.description, **common)
        _row, created = ProductTranslation.objects.get_or_create(
            product=product,
            language=language,
            defaults={
                "name": name.text[:200],
                "description": description.text if description.translated else "",
                "origin": TranslationOrigin.MACHINE,
                "reviewed": False,
            },
        )
        if created:
            drafted.append(language)
    return drafted


@transaction.atomic
def product_translation_approve(*, translation: ProductTranslation, user: User) -> None:
    """Mark a (possibly edited) draft reviewed and remember it as a human translation.

    The caller checked that ``user`` may edit the product (the shop-scoped admin does).
    """
    translation.reviewed = True
    translation.save(update_fields=["reviewed"])
    product = translation.product
    source = _source_text(product)
    if source is None or source.language == translation.language:
        return
    pairs = [(source.name, translation.name), (source.description, translation.description)]
    for source_text, target_text in pairs:
        if source_text.strip() and target_text.strip():
            memory_store(
                source_language=source.language,
                source_text=source_text,
                target_language=translation.language,
                target_text=target_text,
                shop=product.shop_id,
                origin=MemoryOrigin.HUMAN,
            )
    logger.info("user %s approved %s text of product %s", user.pk, translation.language, product.pk)
