"""PK links between two live rooms: who may invite, answer and end; both rooms must be live and
free; the link ends on time, by a host, or when either show ends; each room hears it all and
lists the other room's publishers only while linked. (The media path through the real relay
is in test_media.py.)"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liverooms.media.models import PkBattle, PkEndReason, PkStatus, PublisherRole, RoomPublisher
from liverooms.media.pk import (
    PK_INVITE_SECONDS,
    PkError,
    pk_accept,
    pk_cancel,
    pk_decline,
    pk_end,
    pk_invite,
    pk_subscribe_room,
)
from liverooms.media.selectors import pk_battle_open, room_publishers
from liverooms.media.tasks import expire_due_pk_battles, expire_pk_battle
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.services import room_end
from shop.shops.models import Role
from tests.factories import CatalogWorld, make_shop, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def _room(world: CatalogWorld, slug: str, *, shop: Any = None, status: str = RoomStatus.LIVE):
    return LiveRoom.objects.create(
        shop=shop or world.shop_a,
        slug=slug,
        title=slug.replace("-", " ").title(),
        scheduled_at=timezone.now(),
        status=status,
    )


@pytest.fixture
def rooms(live_world: CatalogWorld) -> tuple[CatalogWorld, LiveRoom, LiveRoom]:
    """Room A (shop A, host_a on camera) and room B (shop B, owner_b on camera), both live."""
    world = live_world
    room_a, room_b = _room(world, "room-a"), _room(world, "room-b", shop=world.shop_b)
    for room, user in ((room_a, world.host_a), (room_b, world.owner_b)):
        RoomPublisher.objects.create(
            room=room,
            identity=f"user-{user.pk}",
            user=user,
            name=user.username[:6],
            role=PublisherRole.HOST,
            kinds=["audio", "video"],
        )
    return world, room_a, room_b


def _events(room: LiveRoom, kind: str) -> list[dict[str, Any]]:
    history = events.sync_client().lrange(events.key(room.pk, "history"), 0, -1)
    return [json.loads(f) for f in history if f'"type":"{kind}"' in f]


def _refused(code: str, call: Any, **kwargs: Any) -> None:
    with pytest.raises(PkError) as refused:
        call(**kwargs)
    assert refused.value.code == code, refused.value


def _identities(room: LiveRoom) -> list[tuple[str, str]]:
    return [(p["room"], p["identity"]) for p in room_publishers(room)]


def test_invite_accept_links_both_rooms_and_end_unlinks_them(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, room_b = rooms
    host_a, owner_b = f"user-{world.host_a.pk}", f"user-{world.owner_b.pk}"

    battle = pk_invite(room=room_a, target_slug="room-b", duration_seconds=120, actor=world.host_a)
    for room in (room_a, room_b):  # both consoles hear the invitation; nobody is linked yet
        (invited,) = _events(room, "pk.invited")
        assert invited["pk"]["inviter"]["slug"] == "room-a"
        assert invited["pk"]["invitee"]["title"] == "Room B"
        assert invited["pk"]["status"] == "invited" and invited["pk"]["duration_seconds"] == 120
    assert _identities(room_b) == [("room-b", owner_b)]
    _refused("pk_not_linked", pk_subscribe_room, room=room_b, slug="room-a")

    pk_accept(room=room_b, actor=world.owner_b)
    battle.refresh_from_db()
    assert battle.status == PkStatus.ACTIVE and battle.answered_by == world.owner_b
    assert battle.ends_at - battle.started_at == dt.timedelta(seconds=120)
    for room in (room_a, room_b):
        (started,) = _events(room, "pk.started")
        assert started["pk"]["ends_at"] == battle.ends_at.isoformat()
        assert {started["pk"]["inviter"]["slug"], started["pk"]["invitee"]["slug"]} == {
            "room-a",
            "room-b",
        }
        assert started["pk"]["invitee"]["hosts"] == [world.owner_b.username[:6]]
    # Each room lists its own publishers first, then the linked room's, each with its room.
    assert _identities(room_a) == [("room-a", host_a), ("room-b", owner_b)]
    assert _identities(room_b) == [("room-b", owner_b), ("room-a", host_a)]
    last = _events(room_b, "rtc.publishers")[-1]["publishers"]
    assert [p["room"] for p in last] == ["room-b", "room-a"]
    assert pk_subscribe_room(room=room_b, slug="room-a") == room_a
    assert pk_subscribe_room(room=room_b, slug="room-b") == room_b
    _refused("pk_not_linked", pk_subscribe_room, room=room_b, slug="elsewhere")

    # A host of either room ends it; both rooms go back to their own publishers.
    pk_end(room=room_b, actor=world.owner_b)
    battle.refresh_from_db()
    assert (battle.status, battle.end_reason, battle.ended_by) == (
        PkStatus.ENDED,
        PkEndReason.HOST,
        world.owner_b,
    )
    for room in (room_a, room_b):
        assert _events(room, "pk.ended")[-1]["pk"]["status"] == "ended"
        assert [p["room"] for p in _events(room, "rtc.publishers")[-1]["publishers"]] == [room.slug]
    assert _identities(room_b) == [("room-b", owner_b)]
    _refused("pk_not_linked", pk_subscribe_room, room=room_b, slug="room-a")
    _refused("pk_not_found", pk_end, room=room_a, actor=world.host_a)


def test_a_publisher_change_in_one_room_is_announced_in_the_linked_room(rooms) -> None:  # type: ignore[no-untyped-def]
    from liverooms.media.services import relay_event_handle

    world, room_a, room_b = rooms
    pk_invite(room=room_a, target_slug="room-b", actor=world.host_a)
    pk_accept(room=room_b, actor=world.owner_b)
    relay_event_handle(
        {
            "id": "evt-cohost",
            "type": "track.published",
            "room": f"room-{room_a.pk}",
            "identity": f"user-{world.shopper.pk}",
            "data": {"kind": "video"},
        }
    )
    seen_in_b = _events(room_b, "rtc.publishers")[-1]["publishers"]
    assert (
        "room-a",
        f"user-{world.shopper.pk}",
        "cohost",
    ) in [(p["room"], p["identity"], p["role"]) for p in seen_in_b]


def test_invites_need_two_different_live_free_rooms(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, room_b = rooms
    scheduled = _room(world, "later", shop=world.shop_b, status=RoomStatus.SCHEDULED)
    room_c = _room(world, "room-c", shop=world.shop_b)
    invite = {"room": room_a, "actor": world.host_a}
    _refused("pk_room_not_found", pk_invite, target_slug="nope", **invite)
    _refused("pk_same_room", pk_invite, target_slug="room-a", **invite)
    _refused("pk_target_not_live", pk_invite, target_slug="later", **invite)
    _refused("pk_bad_duration", pk_invite, target_slug="room-b", duration_seconds=5, **invite)
    _refused("pk_bad_duration", pk_invite, target_slug="room-b", duration_seconds=7200, **invite)
    _refused("room_not_live", pk_invite, room=scheduled, target_slug="room-a", actor=world.owner_b)

    pk_invite(target_slug="room-b", **invite)
    _refused("pk_busy", pk_invite, target_slug="room-c", **invite)  # already inviting
    _refused("pk_target_busy", pk_invite, room=room_c, target_slug="room-a", actor=world.owner_b)
    _refused("pk_target_busy", pk_invite, room=room_c, target_slug="room-b", actor=world.owner_b)
    _refused("pk_busy", pk_invite, room=room_b, target_slug="room-c", actor=world.owner_b)
    assert PkBattle.objects.count() == 1


def test_only_the_right_side_answers_and_other_shops_cannot_act(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, room_b = rooms
    outsider = make_staff(make_shop("shop-c"), Role.HOST, "host-c@example.test")
    host, owner_b, stranger = Client(), Client(), Client()
    host.force_login(world.host_a)
    owner_b.force_login(world.owner_b)
    stranger.force_login(outsider)

    def act(client: Client, room: LiveRoom, action: str, **fields: Any) -> tuple[int, Any]:
        response = client.post(
            reverse("rooms:host-action", args=[room.slug]), {"action": action, **fields}
        )
        return response.status_code, response.json() if response.status_code != 403 else None

    # Staff of shop C (or B) cannot invite on room A's behalf, nor list its candidates.
    assert act(stranger, room_a, "pk_invite", target_room="room-b")[0] == 403
    assert act(owner_b, room_a, "pk_invite", target_room="room-b")[0] == 403
    assert stranger.get(reverse("rooms:host-pk-rooms", args=["room-a"])).status_code == 403
    candidates = host.get(reverse("rooms:host-pk-rooms", args=["room-a"])).json()["rooms"]
    assert candidates == [{"slug": "room-b", "title": "Room B", "shop": "Shop B", "busy": False}]

    status, body = act(host, room_a, "pk_invite", target_room="room-b", seconds=60)
    assert (status, body) == (200, {"ok": True})
    assert host.get(reverse("rooms:host-pk-rooms", args=["room-a"])).json()["rooms"][0]["busy"]
    # The inviter cannot accept its own invitation; shop A cannot answer for room B.
    status, body = act(host, room_a, "pk_accept")
    assert (status, body["code"]) == (409, "pk_not_found")
    assert act(host, room_b, "pk_accept")[0] == 403
    assert act(stranger, room_b, "pk_decline")[0] == 403
    assert act(owner_b, room_b, "pk_cancel")[1]["code"] == "pk_not_found"  # not the inviter
    assert act(host, room_a, "pk_invite")[1]["code"] == "pk_room_not_found"  # no target given
    assert act(owner_b, room_b, "pk_accept") == (200, {"ok": True})
    assert act(stranger, room_a, "pk_end")[0] == 403
    assert act(host, room_a, "pk_end") == (200, {"ok": True})  # either side may end it
    assert PkBattle.objects.get().status == PkStatus.ENDED


def test_decline_and_cancel_close_the_invitation_for_both_rooms(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, room_b = rooms
    first = pk_invite(room=room_a, target_slug="room-b", actor=world.host_a)
    pk_decline(room=room_b, actor=world.owner_b)
    second = pk_invite(room=room_b, target_slug="room-a", actor=world.owner_b)  # free again
    _refused("pk_not_found", pk_cancel, room=room_a, actor=world.host_a)  # A did not invite
    pk_cancel(room=room_b, actor=world.owner_b)
    _refused("pk_not_found", pk_accept, room=room_a, actor=world.host_a)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, first.answered_by) == (PkStatus.DECLINED, world.owner_b)
    assert (second.status, second.ended_by) == (PkStatus.CANCELLED, world.owner_b)
    for room in (room_a, room_b):
        assert [e["pk"]["status"] for e in _events(room, "pk.ended")] == ["declined", "cancelled"]
        assert _events(room, "pk.started") == []


def test_invitations_lapse_and_battles_end_on_time(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, room_b = rooms
    battle = pk_invite(room=room_a, target_slug="room-b", actor=world.host_a)
    assert battle.invite_expires_at - battle.created_at == pytest.approx(
        dt.timedelta(seconds=PK_INVITE_SECONDS), abs=dt.timedelta(seconds=1)
    )
    assert expire_pk_battle(battle.pk) is False  # not due: the timed job changes nothing
    PkBattle.objects.filter(pk=battle.pk).update(invite_expires_at=timezone.now())
    assert pk_battle_open(room_b) is None  # lapsed as soon as it is due, job or not
    assert expire_pk_battle(battle.pk) is True
    assert expire_pk_battle(battle.pk) is False  # repeats are harmless
    _refused("pk_not_found", pk_accept, room=room_b, actor=world.owner_b)
    battle.refresh_from_db()
    assert battle.status == PkStatus.EXPIRED
    assert _events(room_b, "pk.ended")[-1]["pk"]["status"] == "expired"

    battle = pk_invite(room=room_b, target_slug="room-a", duration_seconds=30, actor=world.owner_b)
    pk_accept(room=room_a, actor=world.host_a)  # its end job ran (eagerly) and did nothing
    battle.refresh_from_db()
    assert battle.status == PkStatus.ACTIVE
    PkBattle.objects.filter(pk=battle.pk).update(ends_at=timezone.now())
    # Past its end: unlinked at once for every read, before the sweep closes it.
    _refused("pk_not_linked", pk_subscribe_room, room=room_a, slug="room-b")
    assert [p["room"] for p in room_publishers(room_a)] == ["room-a"]
    assert expire_due_pk_battles() == 1
    battle.refresh_from_db()
    assert (battle.status, battle.end_reason) == (PkStatus.ENDED, PkEndReason.TIME_UP)
    for room in (room_a, room_b):
        ended = _events(room, "pk.ended")[-1]["pk"]
        assert (ended["status"], ended["end_reason"]) == ("ended", "time_up")
    assert expire_due_pk_battles() == 0


def test_the_link_ends_when_either_show_ends(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, room_b = rooms
    battle = pk_invite(room=room_a, target_slug="room-b", actor=world.host_a)
    pk_accept(room=room_b, actor=world.owner_b)
    room_end(room=room_b, actor=world.owner_b)
    battle.refresh_from_db()
    assert (battle.status, battle.end_reason) == (PkStatus.ENDED, PkEndReason.ROOM_ENDED)
    assert _events(room_a, "pk.ended")[-1]["pk"]["end_reason"] == "room_ended"
    assert [p["room"] for p in _events(room_a, "rtc.publishers")[-1]["publishers"]] == ["room-a"]
    _refused("pk_target_not_live", pk_invite, room=room_a, target_slug="room-b", actor=world.host_a)

    # A pending invitation lapses too when the inviting show ends.
    room_c = _room(world, "room-c", shop=world.shop_b)
    pending = pk_invite(room=room_a, target_slug="room-c", actor=world.host_a)
    room_end(room=room_a, actor=world.host_a)
    pending.refresh_from_db()
    assert (pending.status, pending.end_reason) == (PkStatus.CANCELLED, PkEndReason.ROOM_ENDED)
    assert _events(room_c, "pk.ended")[-1]["pk"]["status"] == "cancelled"


def test_two_rooms_inviting_the_same_room_at_once_make_one_battle(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, room_b = rooms
    room_c = _room(world, "room-c", shop=world.shop_b)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def invite(room: LiveRoom, actor: Any) -> None:
        try:
            barrier.wait()
            pk_invite(room=room, target_slug="room-b", actor=actor)
            outcomes.append("ok")
        except PkError as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=invite, args=(room_a, world.host_a)),
        threading.Thread(target=invite, args=(room_c, world.owner_b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "pk_target_busy"]
    assert PkBattle.objects.filter(invitee_room=room_b).count() == 1


def test_admin_lists_battles_of_either_shop_read_only(rooms) -> None:  # type: ignore[no-untyped-def]
    world, room_a, _room_b = rooms
    battle = pk_invite(room=room_a, target_slug="room-b", actor=world.host_a)
    outsider = make_staff(make_shop("shop-c"), Role.OWNER, "owner-c@example.test")
    changelist = reverse("admin:media_pkbattle_changelist")
    detail = reverse("admin:media_pkbattle_change", args=[battle.pk])
    for user in (world.host_a, world.owner_b):  # either side sees it, and cannot change it
        client = Client()
        client.force_login(user)
        listing = client.get(changelist)
        assert listing.status_code == 200 and "Room A" in listing.content.decode()
        assert client.get(detail).status_code == 200
        assert client.post(detail, {"status": "ended"}).status_code == 403
        assert client.get(reverse("admin:media_pkbattle_add")).status_code == 403
    client = Client()
    client.force_login(outsider)
    assert "Room A" not in client.get(changelist).content.decode()
    assert client.get(detail).status_code in (302, 403, 404)
    assert PkBattle.objects.get().status == PkStatus.INVITED
