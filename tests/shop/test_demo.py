"""The demo loader builds a browsable marketplace and is safe to run twice."""

import pytest
from django.core.management import call_command

from shop.accounts.models import User
from shop.catalog.models import Product, ProductImage, Variant, VariantPrice
from shop.shops.models import Shop, StaffMembership

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Shop.objects.count(),
        Product.objects.count(),
        Variant.objects.count(),
        VariantPrice.objects.count(),
        ProductImage.objects.count(),
        User.objects.count(),
        StaffMembership.objects.count(),
    )


def test_load_demo_twice_gives_the_same_data() -> None:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first
    shops, products, *_rest = first
    assert shops == 2 and 25 <= products <= 40
    assert StaffMembership.objects.values("role").distinct().count() == 4
    assert all(image.thumbnail for image in ProductImage.objects.all())
    assert Product.objects.filter(translations__language="ar").count() == products
