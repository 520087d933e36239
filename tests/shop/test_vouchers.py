"""Bulk single-use codes, and vouchers scoped to their shop in the admin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shop.orders.services import CheckoutError, order_place
from shop.vouchers.models import Voucher
from shop.vouchers.services import voucher_generate_codes
from tests.factories import CatalogWorld, address, make_shipping, make_voucher

pytestmark = pytest.mark.django_db


def test_bulk_codes_are_unique_single_use_and_copy_the_rule(world: CatalogWorld) -> None:
    template = make_voucher(
        world.shop_a, "QUIZ", kind="fixed", percentage=None, amounts={"EUR": ("15", "50")}
    )
    codes = voucher_generate_codes(template=template, count=200, prefix="qz")
    assert len({c.code for c in codes}) == 200
    assert all(c.code.startswith("QZ") and len(c.code) == 12 for c in codes)
    assert all(c.usage_limit == 1 and c.template_id == template.pk for c in codes)
    assert codes[0].amounts.get().discount == 15
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "5"})
    variant = world.dress.variants.get()
    place = dict(
        shop=world.shop_a,
        items=[(variant.pk, 1)],
        currency="EUR",
        language="en",
        user=None,
        address=address(),
        rate_id=rate.pk,
        voucher_code=codes[0].code,
    )
    assert order_place(email="a@example.test", **place).discount_total == 15
    with pytest.raises(CheckoutError) as refused:
        order_place(email="b@example.test", **place)
    assert refused.value.code == "voucher_used_up"


def test_codes_owned_by_a_shopper_only_work_for_them(world: CatalogWorld) -> None:
    template = make_voucher(world.shop_a, "WIN")
    [code] = voucher_generate_codes(template=template, count=1, owner=world.shopper)
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "5"})
    place = dict(
        shop=world.shop_a,
        items=[(world.dress.variants.get().pk, 1)],
        currency="EUR",
        language="en",
        address=address(),
        rate_id=rate.pk,
        voucher_code=code.code,
    )
    with pytest.raises(CheckoutError) as refused:
        order_place(email="thief@example.test", user=None, **place)
    assert refused.value.code == "voucher_not_yours"
    assert (
        order_place(email=world.shopper.email, user=world.shopper, **place).voucher_code
        == code.code
    )


def test_admin_shows_each_shop_only_its_vouchers(world: CatalogWorld) -> None:
    mine = make_voucher(world.shop_a, "MINE")
    theirs = make_voucher(world.shop_b, "THEIRS")
    client = Client()
    client.force_login(world.owner_a)
    listing = client.get(reverse("admin:vouchers_voucher_changelist"))
    assert [v.pk for v in listing.context["cl"].result_list] == [mine.pk]
    assert client.get(reverse("admin:vouchers_voucher_change", args=[theirs.pk])).status_code == 302
    response = client.post(
        reverse("admin:vouchers_voucher_add"),
        {
            "shop": world.shop_b.pk,
            "code": "sneaky",
            "kind": "percentage",
            "percentage": "50",
            "amounts-TOTAL_FORMS": 0,
            "amounts-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200 and not Voucher.objects.filter(code="SNEAKY").exists()
    client.post(
        reverse("admin:vouchers_voucher_add"),
        {
            "shop": world.shop_a.pk,
            "code": " spring 20 ",
            "kind": "percentage",
            "percentage": "20",
            "is_active": "on",
            "amounts-TOTAL_FORMS": 0,
            "amounts-INITIAL_FORMS": 0,
        },
    )
    assert Voucher.objects.get(code="SPRING20").shop == world.shop_a


def test_my_coupons_lists_only_the_shoppers_own_codes(world: CatalogWorld) -> None:
    from tests.factories import PASSWORD, make_user

    template = make_voucher(world.shop_a, "WIN", kind="percentage", percentage="15")
    winner, other = make_user(), make_user()
    [mine] = voucher_generate_codes(template=template, count=1, owner=winner)
    [theirs] = voucher_generate_codes(template=template, count=1, owner=other)
    client = Client()
    assert client.get(reverse("vouchers:mine")).status_code == 302  # sign in first
    client.login(username=winner.username, password=PASSWORD)
    page = client.get(reverse("vouchers:mine")).content.decode()
    assert mine.code in page and "15% off" in page
    assert theirs.code not in page and template.code not in page
