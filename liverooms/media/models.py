"""What the web tier knows about media: who publishes in a room now (from the relay's
webhooks), co-host requests, the webhook events already handled, and finished recordings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liverooms.rooms.models import LiveRoom


class PublisherRole(models.TextChoices):
    HOST = "host", _("Host")
    COHOST = "cohost", _("Co-host")


class RoomPublisher(models.Model):
    """A participant whose tracks the relay forwards in a room right now."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="publishers")
    identity = models.CharField(max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=10, choices=PublisherRole.choices)
    kinds = models.JSONField(default=list)
    node = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "identity"], name="media_publisher_once")
        ]
        ordering = ["role", "updated_at"]

    def __str__(self) -> str:
        return f"{self.identity} in {self.room_id}"


class CohostStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REMOVED = "removed", _("Removed")


class CohostRequest(models.Model):
    """A viewer asking to join the stream (连麦); accepted means they may publish."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="cohost_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=CohostStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="media_cohost_once")]
        verbose_name = _("co-host request")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}: {self.status}"


class RelayEvent(models.Model):
    """Each relay webhook event once: a retried delivery finds its id here and does nothing."""

    event_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40)
    relay_room = models.CharField(max_length=128)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class Recording(models.Model):
    """A room's recorded tracks as the relay wrote them (encoded, not transcoded)."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(
        LiveRoom, null=True, on_delete=models.SET_NULL, related_name="recordings"
    )
    relay_room = models.CharField(max_length=128)
    event_id = models.CharField(max_length=64, unique=True)
    node = models.CharField(max_length=128, blank=True)
    files = models.JSONField(default=list)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("recording")

    def __str__(self) -> str:
        return f"recording of {self.relay_room}"


class PkStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Invite expired")
    ENDED = "ended", _("Ended")


PK_OPEN = (PkStatus.INVITED, PkStatus.ACTIVE)


class PkEndReason(models.TextChoices):
    TIME_UP = "time_up", _("Time up")
    HOST = "host", _("Ended by a host")
    ROOM_ENDED = "room_ended", _("A show ended")


class PkBattle(models.Model):
    """Two live rooms linked (PK): each room's viewers watch both hosts side by side.

    The host of ``inviter_room`` invites ``invitee_room``; on accept the link is active from
    ``started_at`` until ``ends_at`` (or until a host ends it, or either show ends). A room is
    in at most one invited or active battle at a time (checked under row locks on both rooms).
    """

    inviter_room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="pk_sent")
    invitee_room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="pk_received")
    status = models.CharField(max_length=10, choices=PkStatus.choices, default=PkStatus.INVITED)
    duration_seconds = models.PositiveIntegerField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(max_length=12, choices=PkEndReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    invite_expires_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Scores (liverooms.gifts.pk_score): each room's likes counter when the battle started,
    # and the final scores and winner (empty winner with scores: a draw) once it ended.
    likes_at_start = models.JSONField(default=dict, blank=True)
    inviter_score = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    invitee_score = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    winner_room = models.ForeignKey(
        LiveRoom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(inviter_room=models.F("invitee_room")),
                name="media_pk_two_rooms",
            )
        ]
        verbose_name = _("PK battle")
        verbose_name_plural = _("PK battles")

    def __str__(self) -> str:
        return f"PK {self.inviter_room_id} vs {self.invitee_room_id}: {self.status}"

    def rooms(self) -> tuple[LiveRoom, LiveRoom]:
        return self.inviter_room, self.invitee_room

    def other_room(self, room: LiveRoom) -> LiveRoom:
        return self.invitee_room if room.pk == self.inviter_room_id else self.inviter_room
