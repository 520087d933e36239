"""What replays store: the room timeline (pins and flash deals, wall clock), and one replay per
live session with its files, processing state, chapters, merchant settings and counters."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from liverooms.rooms.models import FlashDeal, LiveRoom
from shop.catalog.models import Product
from shop.shops.models import Shop


def replay_storage() -> Storage:
    """The ``replays`` alias of STORAGES: local MEDIA_ROOT, or S3 when configured."""
    return storages["replays"]


class TimelineKind(models.TextChoices):
    PIN = "pin", _("Product pinned")
    UNPIN = "unpin", _("Product unpinned")
    DEAL_START = "deal_start", _("Flash deal started")
    DEAL_END = "deal_end", _("Flash deal ended")


class RoomTimelineEvent(models.Model):
    """Something shoppers saw change in the room, at wall-clock ``at``; replay chapters are
    these events placed on the video's clock."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=12, choices=TimelineKind.choices)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal = models.ForeignKey(
        FlashDeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["room", "at"])]
        verbose_name = _("room timeline event")

    def __str__(self) -> str:
        return f"{self.kind} {self.product_id} at {self.at:%H:%M:%S}"


class ReplayStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Replay(models.Model):
    """One live session (one LiveRoom: it goes live once and ends once) as a replay.

    The job (``services.replay_process``) fills video, poster, duration, chapters and
    ``starts_at``; only a READY replay can be published. Trim and cover are merchant settings:
    trim is applied by the player (no re-cut, VP8 keyframes are rare), the cover time picks the
    poster frame. Orders from a replay are Orders with source_type=replay, source_id=<pk>.
    """

    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="replays")
    room = models.OneToOneField(LiveRoom, on_delete=models.CASCADE, related_name="replay")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=160)
    status = models.CharField(
        _("status"), max_length=10, choices=ReplayStatus.choices, default=ReplayStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The run that may write results: a run finishes only while it holds the lease.
    job_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sources = models.JSONField(
        default=list, blank=True, help_text=_("The recorded files the replay was made from.")
    )
    video = models.FileField(
        _("video"), storage=replay_storage, upload_to="replays/", max_length=255, blank=True
    )
    video_type = models.CharField(max_length=40, blank=True)  # e.g. video/webm
    poster = models.FileField(
        _("poster"), storage=replay_storage, upload_to="replays/", max_length=255, blank=True
    )
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    starts_at = models.DateTimeField(
        _("video start"), null=True, blank=True, help_text=_("Wall-clock time of t=0.")
    )
    chapters = models.JSONField(default=list, blank=True)
    trim_start = models.FloatField(_("trim start (s)"), default=0)
    trim_end = models.FloatField(
        _("trim end (s)"), null=True, blank=True, help_text=_("Empty: to the end.")
    )
    cover_time = models.FloatField(_("cover frame at (s)"), default=0)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)
    watch_seconds = models.PositiveBigIntegerField(default=0)
    product_clicks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "is_published", "-published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_published=False) | models.Q(status="ready"),
                name="replays_published_is_ready",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="replays_progress_percent"
            ),
        ]
        verbose_name = _("replay")
        verbose_name_plural = _("replays")

    def __str__(self) -> str:
        return self.title


class ReplayProductClick(models.Model):
    """Clicks on one product card in one replay (the per-product side of product_clicks)."""

    shop_scope_path = "replay__shop"

    replay = models.ForeignKey(Replay, on_delete=models.CASCADE, related_name="clicks")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["replay", "product"], name="replays_click_once")
        ]

    def __str__(self) -> str:
        return f"{self.clicks} clicks on {self.product_id} in {self.replay_id}"
