"""Giveaways: a verifiable draw (the seed committed by its hash at open, revealed at the draw,
the winners re-computed from the published JSON alone), eligibility, one entry per shopper,
closing on time, the host console, the winners' notice."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from liverooms.giveaways.draw import draw_winners, seed_hash
from liverooms.giveaways.models import (
    EntryMethod,
    Giveaway,
    GiveawayEntry,
    GiveawayStatus,
    GiveawayWinner,
)
from liverooms.giveaways.services import (
    GiveawayError,
    giveaway_close,
    giveaway_draw,
    giveaway_enter,
    giveaway_open,
)
from liverooms.giveaways.tasks import close_giveaway
from liverooms.giveaways.verify import verify
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import display_name
from tests.factories import (
    PASSWORD,
    ROOM_BUY,
    CatalogWorld,
    make_shipping,
    make_user,
)

ROOT = Path(__file__).resolve().parents[2]


def _live_room(world: CatalogWorld, slug: str = "give-room") -> LiveRoom:
    return LiveRoom.objects.create(
        shop=world.shop_a,
        slug=slug,
        title="Giveaway show",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        started_at=timezone.now(),
        pinned_product=world.dress,
    )


def _events(room: LiveRoom, kind: str) -> list[dict[str, Any]]:
    history = events.sync_client().lrange(events.key(room.pk, "history"), 0, -1)
    return [json.loads(f) for f in history if f'"type":"{kind}"' in f]


def _open(world: CatalogWorld, room: LiveRoom, **options: Any) -> Giveaway:
    return giveaway_open(
        room=room,
        prize=options.pop("prize", "A silk scarf"),
        winners=options.pop("winners", 3),
        minutes=options.pop("minutes", 10),
        actor=world.host_a,
        **options,
    )


def test_draw_function_is_deterministic_and_picks_distinct_entries() -> None:
    seed = "00" * 31 + "2a"
    ids = list(range(100, 130))
    first = draw_winners(seed, list(reversed(ids)), 5)
    assert first == draw_winners(seed, ids, 5)  # the input order does not matter: ids sort
    assert len(set(first)) == 5 and set(first) <= set(ids)
    assert draw_winners("11" * 32, ids, 5) != first  # another seed, another draw
    assert sorted(draw_winners(seed, [7, 3], 10)) == [3, 7]  # fewer entries than prizes
    assert draw_winners(seed, [], 3) == []
    # A known answer pins the documented algorithm (docs/protocol.md, draw.py): round 0 picks
    # index uniform(30) of the sorted list from sha256(seed || 0 as 8 bytes big-endian).
    block = int.from_bytes(hashlib.sha256(bytes.fromhex(seed) + (0).to_bytes(8, "big")).digest())
    assert first[0] == ids[block % 30]  # 2**256 - block is far from the rejection zone here
    with pytest.raises(ValueError):
        draw_winners("abcd", ids, 1)  # a seed is 32 bytes


def test_draw_discards_blocks_in_the_biased_zone() -> None:
    """uniform(m) rejects r >= 2**256 - (2**256 mod m) and reads the next counter value. With
    m = 2**255 + 1 about half the blocks are rejected, so the rule is easy to observe."""
    from liverooms.giveaways.draw import _Stream

    m = 2**255 + 1
    limit = 2**256 - (2**256 % m)

    def block(seed: bytes, counter: int) -> int:
        return int.from_bytes(hashlib.sha256(seed + counter.to_bytes(8, "big")).digest())

    seeds = (bytes([n]) * 32 for n in range(256))
    seed = next(s for s in seeds if block(s, 0) >= limit and block(s, 1) < limit)
    stream = _Stream(seed)
    assert stream.uniform(m) == block(seed, 1) % m
    assert stream.counter == 2  # the rejected block used up counter 0


@pytest.mark.django_db
def test_draw_recomputed_from_the_published_json_gives_the_same_winners(
    world: CatalogWorld, django_capture_on_commit_callbacks, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    room = _live_room(world)
    with django_capture_on_commit_callbacks(execute=True):
        giveaway = _open(world, room, winners=3)
    [opened] = _events(room, "giveaway.opened")
    published_hash = opened["giveaway"]["seed_hash"]
    assert "seed" not in opened["giveaway"]  # the seed stays secret until the draw
    for _ in range(12):
        giveaway_enter(room=room, user=make_user())
    client = Client()
    url = f"/en/live/{room.slug}/giveaways/{giveaway.pk}.json"
    before = client.get(url).json()
    assert before["seed"] is None and before["seed_hash"] == published_hash
    assert len(before["entries"]) == 12
    assert all("@" not in entry["handle"] for entry in before["entries"])  # no e-mails
    with django_capture_on_commit_callbacks(execute=True):
        giveaway_draw(giveaway_id=giveaway.pk, actor=world.host_a)
    record = client.get(url).json()
    # The seed revealed at the draw is the one committed to at open ...
    assert hashlib.sha256(bytes.fromhex(record["seed"])).hexdigest() == published_hash
    assert record["seed_hash"] == published_hash
    # ... and the winners follow from the seed and the entry list alone.
    entry_ids = [entry["id"] for entry in record["entries"]]
    winners = [winner["id"] for winner in record["winners"]]
    assert draw_winners(record["seed"], entry_ids, record["winners_count"]) == winners
    assert len(winners) == 3
    assert verify(record) == []
    [drawn] = _events(room, "giveaway.drawn")
    assert drawn["giveaway"]["seed"] == record["seed"]
    assert drawn["giveaway"]["winners"] == record["winners"]
    # The command-line checker agrees, and catches a tampered record.
    published = tmp_path / "giveaway.json"
    published.write_text(json.dumps(record))
    checked = subprocess.run(
        [sys.executable, "-m", "liverooms.giveaways.verify", str(published)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "OK" in checked.stdout
    swapped = {**record, "winners": list(reversed(record["winners"]))}
    other_seed = {**record, "seed": "ab" * 32}
    one_less = {**record, "entries": record["entries"][1:]}
    assert verify(swapped) and verify(other_seed) and verify(one_less)
    published.write_text(json.dumps(other_seed))
    refused = subprocess.run(
        [sys.executable, "-m", "liverooms.giveaways.verify", str(published)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "FAILED" in refused.stdout
    with pytest.raises(GiveawayError) as again:
        giveaway_draw(giveaway_id=giveaway.pk, actor=world.host_a)
    assert again.value.code == "giveaway_drawn"


@pytest.mark.django_db
def test_one_entry_per_shopper_and_staff_do_not_enter(world: CatalogWorld) -> None:
    room = _live_room(world)
    giveaway = _open(world, room)
    entry = giveaway_enter(room=room, user=world.shopper)
    assert entry.method == EntryMethod.BUTTON
    assert entry.handle.startswith(display_name(world.shopper) + "#")
    assert not entry.handle.startswith(world.shopper.email.split("@")[0] + "#")  # not the e-mail
    with pytest.raises(GiveawayError) as twice:
        giveaway_enter(room=room, user=world.shopper)
    assert twice.value.code == "giveaway_already_entered"
    with pytest.raises(GiveawayError) as staff:
        giveaway_enter(room=room, user=world.host_a)
    assert (staff.value.code, staff.value.detail) == ("giveaway_not_eligible", "staff")
    assert GiveawayEntry.objects.filter(giveaway=giveaway).count() == 1


@pytest.mark.django_db
def test_purchase_in_the_room_is_required_when_asked(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _live_room(world)
    other_room = _live_room(world, "other-room")
    giveaway_open(
        room=room, prize="VIP", winners=1, minutes=5, requires_purchase=True, actor=world.host_a
    )
    with pytest.raises(GiveawayError) as refused:
        giveaway_enter(room=room, user=world.shopper)
    assert (refused.value.code, refused.value.detail) == (
        "giveaway_not_eligible",
        "purchase_required",
    )
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    variant = world.dress.variants.get()
    client = Client()
    client.force_login(world.shopper)
    client.cookies["showroom_currency"] = "EUR"
    with django_capture_on_commit_callbacks(execute=True):
        bought = client.post(
            f"/en/live/{other_room.slug}/buy/",
            {**ROOM_BUY, "variant": variant.pk, "shipping_rate": rate.pk},
        ).json()
    assert bought["status"] == "paid"
    with pytest.raises(GiveawayError):  # bought in another room: still not eligible
        giveaway_enter(room=room, user=world.shopper)
    with django_capture_on_commit_callbacks(execute=True):
        bought = client.post(
            f"/en/live/{room.slug}/buy/",
            {**ROOM_BUY, "variant": variant.pk, "shipping_rate": rate.pk},
        ).json()
    assert bought["status"] == "paid"
    assert giveaway_enter(room=room, user=world.shopper).pk


@pytest.mark.django_db
def test_country_list_uses_the_profile_then_the_last_shipping_country(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _live_room(world)
    giveaway = giveaway_open(
        room=room, prize="Bag", winners=1, minutes=5, countries=["es", "FR "], actor=world.host_a
    )
    assert giveaway.countries == ["ES", "FR"]
    assert giveaway_enter(room=room, user=make_user(country="FR")).pk
    with pytest.raises(GiveawayError) as refused:
        giveaway_enter(room=room, user=make_user(country="US"))
    assert (refused.value.code, refused.value.detail) == ("giveaway_not_eligible", "country")
    with pytest.raises(GiveawayError):
        giveaway_enter(room=room, user=make_user())  # no country known
    # No country on the profile: the last order's shipping country counts (Spain here).
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    client = Client()
    client.force_login(world.shopper)
    client.cookies["showroom_currency"] = "EUR"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/live/{room.slug}/buy/",
            {**ROOM_BUY, "variant": world.dress.variants.get().pk, "shipping_rate": rate.pk},
        )
    assert giveaway_enter(room=room, user=world.shopper).pk
    with pytest.raises(GiveawayError) as unknown:
        giveaway_open(
            room=_live_room(world, "r2"),
            prize="x",
            winners=1,
            minutes=5,
            countries=["XX"],
            actor=world.host_a,
        )
    assert unknown.value.code == "bad_giveaway"


@pytest.mark.django_db
def test_closes_at_its_time(world: CatalogWorld, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    room = _live_room(world)
    with django_capture_on_commit_callbacks(execute=True):
        giveaway = _open(world, room, minutes=5, keyword="WIN")
    # The timed close ran at once (eager Celery) but the close time had not come: still open.
    assert Giveaway.objects.get(pk=giveaway.pk).status == GiveawayStatus.OPEN
    assert events.sync_client().get(f"{events.key(room.pk, 'giveaway_keyword')}")
    giveaway_enter(room=room, user=make_user())
    Giveaway.objects.filter(pk=giveaway.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(GiveawayError) as late:  # past closes_at, even before the job runs
        giveaway_enter(room=room, user=make_user())
    assert late.value.code == "giveaway_closed"
    with django_capture_on_commit_callbacks(execute=True):
        close_giveaway(giveaway.pk)
    closed = Giveaway.objects.get(pk=giveaway.pk)
    assert closed.status == GiveawayStatus.CLOSED and closed.closed_at is not None
    assert [e["entries"] for e in _events(room, "giveaway.closed")] == [1]
    assert events.sync_client().get(events.key(room.pk, "giveaway_keyword")) is None
    close_giveaway(giveaway.pk)  # again: nothing more
    assert len(_events(room, "giveaway.closed")) == 1
    with pytest.raises(GiveawayError) as closed_entry:
        giveaway_enter(room=room, user=make_user())
    assert closed_entry.value.code == "giveaway_closed"
    # The host can open the next one now, and close it early.
    second = _open(world, room)
    giveaway_close(giveaway_id=second.pk, actor=world.host_a)
    assert Giveaway.objects.get(pk=second.pk).status == GiveawayStatus.CLOSED


@pytest.mark.django_db
def test_host_console_runs_giveaways_for_its_own_shop_only(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _live_room(world)
    url = f"/en/live/{room.slug}/host/action/"
    stranger = Client()
    stranger.force_login(world.owner_b)
    assert stranger.post(url, {"action": "giveaway_open", "prize": "x"}).status_code == 403
    host = Client()
    host.force_login(world.host_a)
    bad = host.post(url, {"action": "giveaway_open", "prize": "", "quantity": 1})
    assert bad.status_code == 409 and bad.json()["code"] == "bad_giveaway"
    assert not Giveaway.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        opened = host.post(
            url,
            {
                "action": "giveaway_open",
                "prize": "<b>Scarf</b>",
                "quantity": 2,
                "minutes": 3,
                "keyword": "scarf",
                "countries": "ES, FR",
                "requires_purchase": "",
            },
        )
    assert opened.json() == {"ok": True}
    giveaway = Giveaway.objects.get()
    assert (giveaway.winners_count, giveaway.countries, giveaway.keyword) == (
        2,
        ["ES", "FR"],
        "scarf",
    )
    for country in ("ES", "FR", "ES"):
        giveaway_enter(room=room, user=make_user(country=country, preferred_language="es"))
    assert stranger.post(url, {"action": "giveaway_draw"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert host.post(url, {"action": "giveaway_draw"}).json() == {"ok": True}
    winners = list(GiveawayWinner.objects.select_related("entry__user"))
    assert len(winners) == 2 and all(w.notified_at for w in winners)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(w.entry.user.email for w in winners)
    # Plain-text mail, in the winner's language, with the prize as typed.
    assert all(m.subject == "Has ganado: <b>Scarf</b>" for m in mail.outbox)
    # The JSON of another room's slug is not found; the winner sees the win in the account.
    assert Client().get(f"/en/live/nope/giveaways/{giveaway.pk}.json").status_code == 404
    shopper = Client()
    shopper.login(username=winners[0].entry.user.username, password=PASSWORD)
    assert "/en/prizes/" in shopper.get("/en/coupons/").content.decode()  # linked from there
    page = shopper.get("/en/prizes/").content.decode()
    assert "&lt;b&gt;Scarf&lt;/b&gt;" in page and winners[0].entry.handle in page
    loser = Client()
    loser.force_login(world.shopper)
    assert "Scarf" not in loser.get("/en/prizes/").content.decode()
    again = host.post(url, {"action": "giveaway_draw"})
    assert again.status_code == 409 and again.json()["code"] == "giveaway_not_found"


@pytest.mark.django_db
def test_the_seed_is_never_shown_before_the_draw(world: CatalogWorld) -> None:
    room = _live_room(world)
    giveaway = _open(world, room)
    assert seed_hash(giveaway.seed) == giveaway.seed_hash
    page = Client().get(f"/en/live/{room.slug}/giveaways/{giveaway.pk}.json").content.decode()
    assert giveaway.seed not in page
    viewer = Client()
    viewer.force_login(world.shopper)
    assert giveaway.seed not in viewer.get(f"/en/live/{room.slug}/").content.decode()
    spanish = viewer.get(f"/es/live/{room.slug}/").content.decode()
    assert "Participar en el sorteo" in spanish and "%(value)s%% de descuento" in spanish
    admin = Client()
    admin.force_login(world.superuser)
    change = admin.get(f"/admin/giveaways/giveaway/{giveaway.pk}/change/").content.decode()
    assert giveaway.seed_hash in change and giveaway.seed not in change
    # Staff see their own shop's giveaways only.
    own, other = Client(), Client()
    own.force_login(world.owner_a)
    other.force_login(world.owner_b)
    assert "A silk scarf" in own.get("/admin/giveaways/giveaway/").content.decode()
    listing = other.get("/admin/giveaways/giveaway/")
    assert listing.status_code == 200 and "A silk scarf" not in listing.content.decode()
    change = other.get(f"/admin/giveaways/giveaway/{giveaway.pk}/change/")
    assert (
        change.status_code in (302, 403, 404) and giveaway.seed_hash not in change.content.decode()
    )
