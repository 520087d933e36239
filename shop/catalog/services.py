"""Catalog writes: images and thumbnails, publishing, variants."""

from __future__ import annotations

import io
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from shop.catalog.models import Product, ProductImage, ProductStatus
from support.translation.products import product_queue_drafts

THUMBNAIL_SIZE = (480, 480)


class InvalidImageError(ValueError):
    """The upload is not an image Pillow can read."""


def image_make_thumbnail(*, image: ProductImage) -> ProductImage:
    """(Re)generate the WebP thumbnail of ``image`` from its original file.

    The original is opened with Pillow, EXIF-rotated, fitted into 480x480 keeping aspect ratio.
    Raises InvalidImageError when the file is not a readable image.
    """
    try:
        image.image.open("rb")
        with Image.open(image.image) as original:
            picture = ImageOps.exif_transpose(original).convert("RGB")
    except (UnidentifiedImageError, OSError) as bad:
        raise InvalidImageError("The file is not a readable image.") from bad
    finally:
        image.image.close()
    picture.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", quality=82)
    stem = PurePath(image.image.name).stem
    if image.thumbnail:
        image.thumbnail.delete(save=False)
    image.thumbnail.save(f"{stem}-thumb.webp", ContentFile(buffer.getvalue()), save=False)
    image.save(update_fields=["thumbnail"])
    return image


def product_image_add(
    *, product: Product, filename: str, content: bytes, alt: str = "", position: int = 0
) -> ProductImage:
    """Store an uploaded image for ``product`` and generate its thumbnail."""
    image = ProductImage(product=product, alt=alt, position=position)
    image.image.save(filename, ContentFile(content), save=False)
    image.save()
    return image_make_thumbnail(image=image)


@transaction.atomic
def product_set_status(*, product: Product, status: str) -> Product:
    """Publish or unpublish. First publication stamps ``published_at``; publishing queues
    machine-translated drafts for the languages the product has no text in (on commit)."""
    product.status = status
    fields = ["status", "updated_at"]
    if status == ProductStatus.PUBLISHED and product.published_at is None:
        product.published_at = timezone.now()
        fields.append("published_at")
    product.save(update_fields=fields)
    if status == ProductStatus.PUBLISHED:
        product_queue_drafts(product=product)
    return product
