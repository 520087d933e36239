"""Live rooms and what happens in them (chat, sanctions, reminders)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Product
from shop.shops.models import Shop


class RoomStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")


class LiveRoom(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="rooms")
    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    cover = models.ImageField(_("cover"), upload_to="rooms/covers/", blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    scheduled_at = models.DateTimeField(_("scheduled start"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoomStatus.choices, default=RoomStatus.SCHEDULED
    )
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="hosted_rooms", verbose_name=_("hosts")
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    pinned_product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pinned product"),
    )
    pinned_message = models.ForeignKey(
        "ChatMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode (seconds)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at"]
        indexes = [models.Index(fields=["status", "scheduled_at"])]
        verbose_name = _("live room")
        verbose_name_plural = _("live rooms")

    def __str__(self) -> str:
        return self.title


class ChatMessage(models.Model):
    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="messages")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=80)
    text = models.CharField(max_length=500)
    language = models.CharField(max_length=10, blank=True)
    # The line in other languages, as the room's viewers of that language saw it live
    # (support.translation): the replay shows the same translations.
    translations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["room", "created_at"])]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:40]}"


class SanctionKind(models.TextChoices):
    MUTE = "mute", _("Muted")
    BAN = "ban", _("Banned")


class RoomSanction(models.Model):
    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="sanctions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=SanctionKind.choices)
    until = models.DateTimeField(null=True, blank=True, help_text=_("Empty: for the whole room."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user", "kind"], name="unique_sanction")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} in {self.room_id}"


class ChatWordFilter(models.Model):
    """A word or phrase a shop does not allow in its rooms' chat (case-insensitive)."""

    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="chat_word_filters")
    phrase = models.CharField(_("word or phrase"), max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "phrase"], name="unique_filtered_phrase")
        ]
        verbose_name = _("chat word filter")
        verbose_name_plural = _("chat word filters")

    def __str__(self) -> str:
        return self.phrase


class RoomReminder(models.Model):
    """ "Remind me": an e-mail when the room goes live."""

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    email = models.EmailField()
    language = models.CharField(max_length=10, default="en")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "email"], name="unique_reminder")]

    def __str__(self) -> str:
        return f"{self.email} for {self.room_id}"


class FlashDeal(models.Model):
    """A live-only price on the pinned product, for a limited quantity and time."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="deals")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(_("deal price"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    quantity = models.PositiveIntegerField(_("quantity"))
    per_buyer_limit = models.PositiveIntegerField(_("per buyer"), default=1)
    starts_at = models.DateTimeField(auto_now_add=True)
    ends_at = models.DateTimeField(_("ends"))
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("flash deal")
        verbose_name_plural = _("flash deals")

    def __str__(self) -> str:
        return f"{self.product_id} at {self.price} {self.currency}"


class FlashDealClaim(models.Model):
    """Units of a deal taken by one order; a cancelled order's claim no longer counts."""

    deal = models.ForeignKey(FlashDeal, on_delete=models.CASCADE, related_name="claims")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="deal_claim"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} of deal {self.deal_id}"
