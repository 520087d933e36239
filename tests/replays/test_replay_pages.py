"""The shoppable replay page, replay lists, the analytics endpoints and buying from a replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liverooms.replays.models import Replay
from liverooms.replays.services import replay_for_room, replay_process, replay_publish
from liverooms.rooms.models import ChatMessage
from shop.orders.models import Order
from tests.factories import CatalogWorld, make_shipping
from tests.replays.conftest import Show, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world: CatalogWorld, make_show: Callable[..., Show]) -> Callable[..., Replay]:
    """A processed replay of shop A (dress pinned at 1 s, unpinned at 3 s), published or not."""

    def make(slug: str = "show", *, published: bool = True) -> Replay:
        show = make_show(world, seconds=4.0, slug=slug)
        replay = replay_process(replay_id=replay_for_room(show.room).pk)
        if published:
            replay = replay_publish(replay=replay, actor=world.owner_a)
        return replay

    return make


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page_url(replay: Replay, name: str = "replay") -> str:
    return reverse(f"replays:{name}", args=[replay.slug])


def test_published_replay_page_has_player_timeline_card_and_escaped_chat(
    world: CatalogWorld, ready: Callable[..., Replay]
) -> None:
    replay = ready()
    message = ChatMessage.objects.create(
        room=replay.room, user=world.shopper, author_name="Ana", text="<script>x()</script> nice"
    )
    ChatMessage.objects.filter(pk=message.pk).update(created_at=at(2.0))
    Replay.objects.filter(pk=replay.pk).update(trim_start=0.5, trim_end=3.5)

    response = _client().get(_page_url(replay))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="/replays/media/{replay.pk}/video#t=0.500,3.500"' in html
    assert 'data-trim-start="0.500"' in html and 'data-trim-end="3.500"' in html
    assert f'poster="/replays/media/{replay.pk}/poster"' in html
    assert 'id="pinned-card"' in html and 'id="replay-markers"' in html
    assert "<script>x()</script>" not in html  # chat is JSON-escaped, never markup
    timeline = json.loads(response.context["timeline"] and json.dumps(response.context["timeline"]))
    assert [(c["kind"], c["product"]) for c in timeline["chapters"]] == [
        ("pin", world.dress.pk),
        ("unpin", world.dress.pk),
    ]
    assert abs(timeline["chapters"][0]["offset"] - 1.0) < 0.05
    card = timeline["cards"][str(world.dress.pk)]
    assert card["names"]["en"] == "Silk dress" and "EUR" in card["prices"]
    assert [m["text"] for m in response.context["chat"]] == ["<script>x()</script> nice"]


def test_unpublished_replay_is_a_preview_for_its_shop_only(
    world: CatalogWorld, ready: Callable[..., Replay]
) -> None:
    replay = ready(published=False)
    url = _page_url(replay)
    assert _client().get(url).status_code == 404
    assert _client(world.shopper).get(url).status_code == 404
    assert _client(world.owner_b).get(url).status_code == 404  # another shop's staff
    preview = _client(world.host_a).get(url)
    assert preview.status_code == 200
    assert "Preview (not published)" in preview.content.decode()
    assert _client().post(_page_url(replay, "report-view")).status_code == 404
    staff = _client(world.host_a)
    assert staff.post(_page_url(replay, "report-view")).json()["counted"] is False
    staff.post(_page_url(replay, "report-click"), {"product": world.dress.pk})
    replay.refresh_from_db()
    assert (replay.views, replay.product_clicks) == (0, 0)  # previews are not audience


def test_lists_show_only_published_ready_replays(
    world: CatalogWorld, ready: Callable[..., Replay], make_show: Callable[..., Show]
) -> None:
    shown = ready("shown")
    ready("hidden", published=False)
    replay_for_room(make_show(world, seconds=1.0, slug="pending").room)  # never processed
    for url in (
        reverse("replays:index"),
        reverse("storefront:home"),
        reverse("storefront:shop", args=[world.shop_a.slug]),
    ):
        html = _client().get(url).content.decode()
        assert _page_url(shown) in html, url
        assert "Show shown" in html and "0:04" in html  # title and duration
        assert "/replays/hidden/" not in html and "/replays/pending/" not in html
    assert (
        "Show shown"
        not in _client().get(reverse("storefront:shop", args=[world.shop_b.slug])).content.decode()
    )


def test_a_view_counts_once_per_session(ready: Callable[..., Replay]) -> None:
    replay = ready()
    first, second = _client(), _client()
    assert first.post(_page_url(replay, "report-view")).json()["counted"] is True
    assert first.post(_page_url(replay, "report-view")).json()["counted"] is False
    second.post(_page_url(replay, "report-view"))
    replay.refresh_from_db()
    assert replay.views == 2


def test_watch_time_is_validated_and_bounded_by_real_time(ready: Callable[..., Replay]) -> None:
    replay = ready()
    client = _client()
    url = _page_url(replay, "report-watch")
    assert client.post(url, {"seconds": "abc"}).status_code == 400
    assert client.post(url, {"seconds": "-3"}).status_code == 400
    assert client.post(url, {"seconds": "5000"}).status_code == 400  # above one report's cap
    client.post(_page_url(replay, "report-view"))  # starts the session's clock
    # The page was opened a moment ago: 50 s "watched" cannot have happened yet.
    assert client.post(url, {"seconds": "50"}).json()["counted"] <= 6
    session = client.session
    session["replay_analytics"][str(replay.pk)]["last_beat"] -= 15  # 15 s later
    session.save()
    assert client.post(url, {"seconds": "14.6"}).json()["counted"] == 14
    replay.refresh_from_db()
    assert 14 <= replay.watch_seconds <= 20


def test_product_clicks_validated_and_capped_per_session(
    world: CatalogWorld, ready: Callable[..., Replay]
) -> None:
    replay = ready()
    client = _client()
    url = _page_url(replay, "report-click")
    assert client.post(url, {"product": "x"}).status_code == 400
    assert client.post(url, {"product": world.watch.pk}).status_code == 400  # shop B's
    assert client.get(url).status_code == 405
    for _ in range(25):
        client.post(url, {"product": world.dress.pk})
    replay.refresh_from_db()
    assert replay.product_clicks == 20
    assert replay.clicks.get(product=world.dress).clicks == 20


def test_analytics_need_the_csrf_token(ready: Callable[..., Replay]) -> None:
    replay = ready()
    client = Client(enforce_csrf_checks=True)
    assert client.post(_page_url(replay, "report-view")).status_code == 403
    replay.refresh_from_db()
    assert replay.views == 0


def test_an_order_through_the_replay_drawer_records_the_replay_as_source(
    world: CatalogWorld, ready: Callable[..., Replay]
) -> None:
    replay = ready()
    make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    client = _client(world.shopper)
    client.cookies["showroom_currency"] = "EUR"
    variant = world.dress.variants.first()
    assert variant is not None
    quote = client.get(
        _page_url(replay, "buy-quote"), {"variant": variant.pk, "quantity": 1, "country": "ES"}
    ).json()
    assert quote["ok"] and quote["shipping_options"]

    response = client.post(
        _page_url(replay, "buy"),
        {
            "variant": variant.pk,
            "quantity": 1,
            "name": "Ana Ruiz",
            "line1": "Calle Mayor 1",
            "city": "Madrid",
            "postal_code": "28001",
            "country": "ES",
            "shipping_rate": quote["shipping"],
            "expected_total": quote["expected_total"],
            "card_number": "4242 4242 4242 4242",
            "expiry": "12/30",
            "cvc": "123",
        },
    )

    assert response.json()["status"] == "paid", response.json()
    order = Order.objects.get()
    assert (order.source_type, order.source_id, order.status) == ("replay", str(replay.pk), "paid")
    assert order.subtotal == Decimal("119.00")
    assert _client().post(_page_url(replay, "buy")).status_code == 302  # sign in first
    # The merchant sees the order counted on the replay's admin page.
    admin_page = _client(world.owner_a).get(f"/admin/replays/replay/{replay.pk}/change/")
    assert "orders: 1 · paid: 1" in admin_page.content.decode()


def test_the_replay_page_is_translated_and_right_to_left_in_arabic(
    ready: Callable[..., Replay],
) -> None:
    replay = ready()
    html = _client().get(f"/ar/replays/{replay.slug}/").content.decode()
    assert 'dir="rtl"' in html
    assert "منتجات هذا العرض" in html  # "Products in this show"
    assert "/ar/replays/show/buy/quote/" in html  # the drawer's URLs keep the language
