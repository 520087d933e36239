"""Room pages: listing with live and upcoming shows, "remind me", host console and actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from liverooms.rooms.models import ChatMessage, LiveRoom, RoomReminder, RoomSanction, RoomStatus
from liverooms.rooms.services import room_end, room_start
from tests.factories import CatalogWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(world: CatalogWorld) -> tuple[LiveRoom, LiveRoom]:
    live = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="live-now",
        title="Silk live",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        started_at=timezone.now(),
    )
    soon = LiveRoom.objects.create(
        shop=world.shop_b,
        slug="soon",
        title="Watch night",
        scheduled_at=timezone.now() + dt.timedelta(hours=5),
    )
    return live, soon


def test_live_listing_and_home_show_live_and_upcoming(rooms) -> None:  # type: ignore[no-untyped-def]
    for url in ("/en/live/", "/en/"):
        page = Client().get(url).content.decode()
        assert "Silk live" in page and "Watch night" in page
        assert page.index("Silk live") < page.index("Watch night")  # live first


def test_room_lists_refresh_from_a_fragment(world: CatalogWorld, rooms) -> None:  # type: ignore[no-untyped-def]
    live, soon = rooms
    page = Client().get("/en/live/").content.decode()
    assert 'data-refresh="/en/live/cards/?limit=24"' in page
    assert 'data-refresh="/en/live/cards/?limit=6"' in Client().get("/en/").content.decode()
    response = Client().get("/en/live/cards/?limit=1")
    fragment = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert "<html" not in fragment and "Silk live" in fragment and "Watch night" in fragment
    room_start(room=soon, actor=world.owner_b)
    room_end(room=live, actor=world.owner_a)
    fragment = Client().get("/en/live/cards/?limit=nonsense").content.decode()
    live_now = fragment[fragment.index('id="live-now"') : fragment.index('id="upcoming"')]
    assert "Watch night" in live_now and "Silk live" not in fragment


def test_remind_me_emails_when_the_room_goes_live(
    world: CatalogWorld, rooms, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    _live, soon = rooms
    soon.title = "Rings & <Pearls>"  # plain-text mail: no HTML escaping
    soon.save(update_fields=["title"])
    client = Client()
    client.post(f"/es/live/{soon.slug}/remind/", {"email": "Fan@Example.test"})
    client.post(f"/es/live/{soon.slug}/remind/", {"email": "fan@example.test"})  # once only
    client.post(f"/es/live/{soon.slug}/remind/", {"email": "not-an-email"})
    assert RoomReminder.objects.filter(room=soon).count() == 1
    host = Client()
    from shop.shops.models import Role
    from tests.factories import make_staff

    host.force_login(make_staff(world.shop_b, Role.HOST))
    with django_capture_on_commit_callbacks(execute=True):
        response = host.post(f"/en/live/{soon.slug}/host/action/", {"action": "start"})
    assert response.json() == {"ok": True}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["fan@example.test"]
    assert "en vivo" in mail.outbox[0].subject  # the fan's language (Spanish)
    assert mail.outbox[0].subject.endswith(": Rings & <Pearls>")
    assert "Rings & <Pearls>" in mail.outbox[0].body and "&amp;" not in mail.outbox[0].body
    assert RoomReminder.objects.get().sent_at is not None
    assert host.post(f"/en/live/{soon.slug}/host/action/", {"action": "start"}).status_code == 409


def test_host_console_is_for_the_shops_owner_and_hosts_only(world: CatalogWorld, rooms) -> None:  # type: ignore[no-untyped-def]
    live, _soon = rooms
    assert Client().get(f"/en/live/{live.slug}/host/").status_code == 302  # to sign in
    for user, expected in (
        (world.host_a, 200),
        (world.owner_a, 200),
        (world.owner_b, 403),
        (world.shopper, 403),
    ):
        client = Client()
        client.force_login(user)
        assert client.get(f"/en/live/{live.slug}/host/").status_code == expected
        if expected == 403:
            assert (
                client.post(f"/en/live/{live.slug}/host/action/", {"action": "end"}).status_code
                == 403
            )
    live.refresh_from_db()
    assert live.status == RoomStatus.LIVE


def test_host_moderates_by_chat_line(world: CatalogWorld, rooms) -> None:  # type: ignore[no-untyped-def]
    live, _soon = rooms
    line = ChatMessage.objects.create(
        room=live, user=world.shopper, author_name="shopper", text="spam"
    )
    client = Client()
    client.force_login(world.host_a)
    url = f"/en/live/{live.slug}/host/action/"
    assert client.post(url, {"action": "mute", "message_id": line.pk, "minutes": 10}).json()["ok"]
    sanction = RoomSanction.objects.get(user=world.shopper, kind="mute")
    assert sanction.until and sanction.until > timezone.now()
    assert client.post(url, {"action": "ban", "message_id": line.pk}).json()["ok"]
    line.refresh_from_db()
    assert line.deleted_at is not None  # a ban hides the author's lines
    assert client.post(url, {"action": "slow_mode", "seconds": 15}).json()["ok"]
    live.refresh_from_db()
    assert live.slow_mode_seconds == 15
    assert client.post(url, {"action": "explode"}).status_code == 400
    assert client.post(url, {"action": "mute", "message_id": 999999}).status_code == 404
    assert client.post(url, {"action": "end"}).json()["ok"]
    live.refresh_from_db()
    assert live.status == RoomStatus.ENDED


def test_room_page_renders_for_everyone(world: CatalogWorld, rooms) -> None:  # type: ignore[no-untyped-def]
    live, _soon = rooms
    page = Client().get(f"/ar/live/{live.slug}/")
    assert page.status_code == 200 and 'dir="rtl"' in page.content.decode()
    assert Client().get("/en/live/nope/").status_code == 404


def test_admin_moderation_and_message_pinning(
    world: CatalogWorld, rooms, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from liverooms.realtime import events

    live, _soon = rooms
    line = ChatMessage.objects.create(
        room=live, user=world.shopper, author_name="shopper", text="rude"
    )
    other = ChatMessage.objects.create(room=live, user=world.owner_b, author_name="b", text="fine")
    admin = Client()
    admin.force_login(world.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("admin:rooms_chatmessage_changelist"),
            {"action": "delete_for_everyone", "_selected_action": [line.pk]},
        )
    line.refresh_from_db()
    assert line.deleted_at is not None
    history = events.sync_client().lrange(events.key(live.pk, "history"), 0, -1)
    assert any('"type":"chat.deleted"' in frame and f'"id":{line.pk}' in frame for frame in history)
    admin.post(
        reverse("admin:rooms_chatmessage_changelist"),
        {"action": "mute_authors", "_selected_action": [other.pk]},
    )
    assert RoomSanction.objects.filter(user=world.owner_b, kind="mute").exists()
    outsider = Client()
    outsider.force_login(world.owner_b)  # owner of shop B: cannot see shop A's chat in the admin
    listing = outsider.get(reverse("admin:rooms_chatmessage_changelist"))
    assert list(listing.context["cl"].result_list) == []
    host = Client()
    host.force_login(world.host_a)
    url = f"/en/live/{live.slug}/host/action/"
    with django_capture_on_commit_callbacks(execute=True):
        assert host.post(url, {"action": "pin_message", "message_id": other.pk}).json()["ok"]
    live.refresh_from_db()
    assert live.pinned_message == other
    assert (
        host.post(url, {"action": "pin_message", "message_id": line.pk}).status_code == 409
    )  # deleted
    stats = host.get(f"/en/live/{live.slug}/host/stats/").json()
    assert stats == {
        "orders": 0,
        "revenue": [],
        "gifts": {"coins": 0, "sends": 0, "gifters": 0},
    }
    assert outsider.get(f"/en/live/{live.slug}/host/stats/").status_code == 403


def test_hosts_schedule_rooms_in_the_admin_for_their_shop_only(world: CatalogWorld) -> None:
    from django.urls import reverse

    client = Client()
    client.force_login(world.host_a)
    assert client.get(reverse("admin:rooms_liveroom_add")).status_code == 200
    response = client.post(
        reverse("admin:rooms_liveroom_add"),
        {
            "shop": world.shop_b.pk,
            "title": "Sneaky",
            "slug": "sneaky",
            "language": "en",
            "scheduled_at_0": "2030-01-01",
            "scheduled_at_1": "10:00",
            "slow_mode_seconds": 0,
        },
    )
    assert response.status_code == 200 and not LiveRoom.objects.filter(slug="sneaky").exists()
    response = client.post(
        reverse("admin:rooms_liveroom_add"),
        {
            "shop": world.shop_a.pk,
            "title": "Mine",
            "slug": "mine",
            "language": "es",
            "scheduled_at_0": "2030-01-01",
            "scheduled_at_1": "10:00",
            "slow_mode_seconds": 0,
            "hosts": [world.host_a.pk],
        },
    )
    assert response.status_code == 302
    assert LiveRoom.objects.get(slug="mine").shop == world.shop_a
