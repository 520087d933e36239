"""A shop's staff see and edit only their own shop's rows in the admin, also by direct URL."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shop.catalog.models import Product, Variant
from shop.shops.models import Role, StaffMembership
from tests.factories import CatalogWorld, make_user

pytestmark = pytest.mark.django_db


def _client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_product_list_shows_only_own_shop(world: CatalogWorld) -> None:
    response = _client_for(world.owner_a).get(reverse("admin:catalog_product_changelist"))
    assert response.status_code == 200
    shown = {p.pk for p in response.context["cl"].result_list}
    assert shown == {world.dress.pk, world.coat_draft.pk}


def test_superuser_sees_every_shop(world: CatalogWorld) -> None:
    response = _client_for(world.superuser).get(reverse("admin:catalog_product_changelist"))
    assert {p.pk for p in response.context["cl"].result_list} == set(
        Product.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_other_shops_product_is_unreachable_by_direct_url(world: CatalogWorld, action: str) -> None:
    client = _client_for(world.owner_a)
    url = reverse(f"admin:catalog_product_{action}", args=[world.watch.pk])
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
    assert b"Diver watch" not in response.content
    # A forged POST changes nothing either.
    client.post(url, {"post": "yes", "slug": "stolen", "shop": world.shop_a.pk, "status": "draft"})
    world.watch.refresh_from_db()
    assert world.watch.slug == "diver-watch" and Product.objects.filter(pk=world.watch.pk).exists()


def test_own_product_can_be_edited_with_its_texts_and_images(world: CatalogWorld) -> None:
    client = _client_for(world.owner_a)
    url = reverse("admin:catalog_product_change", args=[world.dress.pk])
    response = client.get(url)
    assert response.status_code == 200
    inlines = {f.formset.prefix: f for f in response.context["inline_admin_formsets"]}
    assert set(inlines) == {"translations", "images"}
    assert inlines["translations"].formset.initial_form_count() == 3
    assert inlines["translations"].has_add_permission


def test_other_shops_rows_never_appear_in_inlines(world: CatalogWorld) -> None:
    client = _client_for(world.owner_b)
    response = client.get(reverse("admin:catalog_product_change", args=[world.dress.pk]))
    assert response.status_code == 302  # shop A's product does not exist for shop B's owner


def test_foreign_key_choices_are_limited_to_own_shop(world: CatalogWorld) -> None:
    client = _client_for(world.owner_a)
    response = client.get(reverse("admin:catalog_variant_add"))
    choices = set(
        response.context["adminform"].form.fields["product"].queryset.values_list("pk", flat=True)
    )
    assert choices == {world.dress.pk, world.coat_draft.pk}


def test_posting_another_shops_product_into_a_variant_is_rejected(world: CatalogWorld) -> None:
    client = _client_for(world.owner_a)
    response = client.post(
        reverse("admin:catalog_variant_add"),
        {
            "product": world.watch.pk,
            "sku": "HIJACK",
            "stock": 5,
            "weight_grams": 0,
            "is_active": "on",
            "position": 0,
            "prices-TOTAL_FORMS": 0,
            "prices-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form is shown again with an error
    assert not Variant.objects.filter(sku="HIJACK").exists()


def test_host_cannot_change_catalog_but_can_view(world: CatalogWorld) -> None:
    client = _client_for(world.host_a)
    url = reverse("admin:catalog_product_change", args=[world.dress.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content  # read-only view
    assert client.get(reverse("admin:catalog_product_add")).status_code == 403


def test_platform_categories_are_view_only_for_shop_owners(world: CatalogWorld) -> None:
    client = _client_for(world.owner_a)
    assert client.get(reverse("admin:catalog_category_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_category_add")).status_code == 403


def test_shop_owner_sees_only_own_shop_and_staff(world: CatalogWorld) -> None:
    client = _client_for(world.owner_a)
    shops = client.get(reverse("admin:shops_shop_changelist")).context["cl"].result_list
    assert [s.pk for s in shops] == [world.shop_a.pk]
    assert client.get(reverse("admin:shops_shop_change", args=[world.shop_b.pk])).status_code == 302
    staff = client.get(reverse("admin:shops_staffmembership_changelist")).context["cl"].result_list
    assert {m.shop_id for m in staff} == {world.shop_a.pk}


def test_owner_adds_staff_by_email_to_own_shop_only(world: CatalogWorld) -> None:
    newcomer = make_user("newcomer@example.test")
    client = _client_for(world.owner_a)
    url = reverse("admin:shops_staffmembership_add")
    response = client.post(
        url, {"shop": world.shop_b.pk, "email": newcomer.email, "role": Role.SUPPORT}
    )
    assert response.status_code == 200  # shop B is not a valid choice
    assert not StaffMembership.objects.filter(user=newcomer).exists()
    response = client.post(
        url, {"shop": world.shop_a.pk, "email": "nobody@example.test", "role": Role.SUPPORT}
    )
    assert b"No account uses this e-mail address" in response.content
    response = client.post(
        url, {"shop": world.shop_a.pk, "email": newcomer.email, "role": Role.SUPPORT}
    )
    assert response.status_code == 302
    membership = StaffMembership.objects.get(user=newcomer)
    assert membership.shop == world.shop_a and membership.role == Role.SUPPORT
    newcomer.refresh_from_db()
    assert newcomer.is_staff


def test_shopper_without_membership_cannot_use_admin(world: CatalogWorld) -> None:
    world.shopper.is_staff = True  # even if flagged staff by mistake, no role = no permissions
    world.shopper.save()
    client = _client_for(world.shopper)
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 403


def test_variant_prices_must_fit_the_currencys_minor_units(world: CatalogWorld) -> None:
    client = _client_for(world.owner_a)
    variant = world.dress.variants.get()
    url = reverse("admin:catalog_variant_change", args=[variant.pk])
    existing = list(variant.prices.order_by("id"))
    data = {
        "product": world.dress.pk,
        "sku": variant.sku,
        "stock": 3,
        "weight_grams": 0,
        "is_active": "on",
        "position": 0,
        "prices-TOTAL_FORMS": len(existing) + 1,
        "prices-INITIAL_FORMS": len(existing),
        f"prices-{len(existing)}-currency": "JPY",
        f"prices-{len(existing)}-amount": "1999.5",
    }
    for index, price in enumerate(existing):
        data.update(
            {
                f"prices-{index}-id": price.pk,
                f"prices-{index}-variant": variant.pk,
                f"prices-{index}-currency": price.currency,
                f"prices-{index}-amount": price.amount,
            }
        )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "JPY amounts have 0 decimal places at most." in response.content.decode()
    assert not variant.prices.filter(currency="JPY").exists()
    variant.refresh_from_db()
    assert variant.stock == 10  # nothing of the rejected form was saved
    data[f"prices-{len(existing)}-amount"] = "19995"
    assert client.post(url, data).status_code == 302
    assert variant.prices.get(currency="JPY").amount == 19995
