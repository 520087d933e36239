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
