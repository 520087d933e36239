"""Who may post a chat line (liverooms.rooms.services.chat_post): sanctions end when they say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from liverooms.realtime.protocol import ErrorCode
from liverooms.rooms.models import RoomSanction, SanctionKind
from liverooms.rooms.selectors import is_banned
from liverooms.rooms.services import RoomError, chat_post
from tests.factories import build_world, make_live_room

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", [SanctionKind.MUTE, SanctionKind.BAN])
def test_a_sanction_silences_until_it_ends(kind: str) -> None:
    world = build_world()
    room = make_live_room(world.shop_a, "sanctions")
    sanction = RoomSanction.objects.create(
        room=room,
        user=world.shopper,
        kind=kind,
        until=timezone.now() + dt.timedelta(minutes=5),
        created_by=world.host_a,
    )
    with pytest.raises(RoomError) as refused:
        chat_post(room=room, user=world.shopper, text="hello?")
    assert refused.value.code == ErrorCode.MUTED
    assert is_banned(room, world.shopper) is (kind == SanctionKind.BAN)

    sanction.until = timezone.now() - dt.timedelta(seconds=1)  # it ran out
    sanction.save()
    assert chat_post(room=room, user=world.shopper, text="back")["text"] == "back"
    assert not is_banned(room, world.shopper)

    sanction.until = None  # for the whole room
    sanction.save()
    with pytest.raises(RoomError):
        chat_post(room=room, user=world.shopper, text="again")
    other_room = make_live_room(world.shop_a, "other-room")
    assert chat_post(room=other_room, user=world.shopper, text="elsewhere")["text"] == "elsewhere"
