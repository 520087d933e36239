"""PK scores: during an active battle each room scores the coins of gifts sent in it plus
its likes times ``PK_LIKE_WEIGHT``, both counted within the battle's window.

Likes are a per-room counter in Redis (liverooms.realtime.hub); the battle keeps each room's
counter at its start (``likes_at_start``) and the likes of the window are the difference.
Final scores and the winner are stored on the battle when it closes (``pk_score_final``,
called by liverooms.media.pk under the battle's row lock), so later reads never depend on
Redis or on gifts sent after the end.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from liverooms.gifts.models import GiftSend
from liverooms.media.models import PkBattle, PkStatus
from liverooms.realtime import events

CENT = Decimal("0.01")


def room_likes(room_id: int) -> int:
    return int(events.sync_client().get(events.key(room_id, "likes")) or 0)


def pk_likes_baseline(battle: PkBattle) -> dict[str, int]:
    """Each room's likes counter now (stored as ``likes_at_start`` when the battle starts)."""
    room_ids = (battle.inviter_room_id, battle.invitee_room_id)
    return {str(room_id): room_likes(room_id) for room_id in room_ids}


def pk_scores_now(battle: PkBattle) -> tuple[Decimal, Decimal]:
    """(inviter, invitee) scores of the battle's window so far (or up to its end)."""
    if battle.started_at is None:
        return Decimal(0), Decimal(0)
    end = battle.ended_at or timezone.now()
    if battle.ends_at is not None:
        end = min(end, battle.ends_at)
    room_ids = (battle.inviter_room_id, battle.invitee_room_id)
    coins = dict(
        GiftSend.objects.filter(
            room_id__in=room_ids, created_at__gte=battle.started_at, created_at__lt=end
        )
        .values("room_id")
        .annotate(total=Sum("coins"))
        .values_list("room_id", "total")
    )
    weight = Decimal(str(settings.PK_LIKE_WEIGHT))
    scores = []
    for room_id in room_ids:
        likes = max(0, room_likes(room_id) - int(battle.likes_at_start.get(str(room_id), 0)))
        score = Decimal(coins.get(room_id) or 0) + likes * weight
        scores.append(score.quantize(CENT, rounding=ROUND_HALF_UP))
    return scores[0], scores[1]


def pk_score_final(battle: PkBattle) -> list[str]:
    """Store the final scores and the winner (None on a draw) on an active battle that is
    being closed (the caller holds its row lock and saves the returned fields). Idempotent:
    a battle that already has scores keeps them."""
    if battle.inviter_score is not None:
        return []
    inviter, invitee = pk_scores_now(battle)
    battle.inviter_score, battle.invitee_score = inviter, invitee
    if inviter == invitee:
        battle.winner_room = None
    else:
        battle.winner_room_id = (  # type: ignore[attr-defined]
            battle.inviter_room_id if inviter > invitee else battle.invitee_room_id
        )
    return ["inviter_score", "invitee_score", "winner_room"]


def pk_score_payload(battle: PkBattle) -> dict[str, Any] | None:
    """Scores for pk_payload and pk.score: live while active, stored once ended."""
    if battle.inviter_score is not None and battle.invitee_score is not None:
        inviter, invitee = battle.inviter_score, battle.invitee_score
        winner = battle.winner_room_id
        final = True
    elif battle.status == PkStatus.ACTIVE:
        inviter, invitee = pk_scores_now(battle)
        winner, final = None, False
    else:
        return None
    slugs = {battle.inviter_room_id: battle.inviter_room.slug}
    slugs[battle.invitee_room_id] = battle.invitee_room.slug
    return {
        "inviter": float(inviter),
        "invitee": float(invitee),
        "final": final,
        "winner": slugs.get(winner) if winner else None,
        "draw": final and winner is None,
    }


def pk_score_publish(battle: PkBattle, *, only_if_changed: bool = False) -> bool:
    """Publish ``pk.score`` in both rooms (the live scores of an active battle); with
    ``only_if_changed``, only when they differ from the last published ones."""
    scores = pk_score_payload(battle)
    if scores is None or scores["final"]:
        return False
    payload = {"id": battle.pk, **scores}
    last_key = events.key(battle.inviter_room_id, f"pk_score:{battle.pk}")
    seen = f"{scores['inviter']}:{scores['invitee']}"
    previous = events.sync_client().set(last_key, seen, ex=3600, get=True)
    if only_if_changed and previous == seen:
        return False
    for room_id in (battle.inviter_room_id, battle.invitee_room_id):
        events.publish_now(room_id, "pk.score", payload)
    return True


def pk_scores_tick() -> int:
    """Beat: the live scores of every running battle (likes move them without a gift).
    Publishes only scores that changed since the last tick. Returns how many were published."""
    running = PkBattle.objects.filter(
        status=PkStatus.ACTIVE, ends_at__gt=timezone.now()
    ).select_related("inviter_room", "invitee_room")
    return sum(pk_score_publish(battle, only_if_changed=True) for battle in running)
