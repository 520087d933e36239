"""Gifts a shop offers in its live rooms, and each gift sent (the record behind the room's
top-gifters board, the shop's gift revenue and PK scores)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liverooms.rooms.models import LiveRoom
from shop.shops.models import Shop


class GiftAnimation(models.TextChoices):
    """Animations bundled in static/liverooms/gifts.css (no downloads)."""

    HEART = "heart", _("Floating hearts")
    ROSE = "rose", _("Rose")
    STAR = "star", _("Shooting star")
    ROCKET = "rocket", _("Rocket")
    CROWN = "crown", _("Crown")


class Gift(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="gifts")
    name = models.CharField(_("name"), max_length=60)
    image = models.ImageField(
        _("image"),
        upload_to="gifts/",
        blank=True,
        help_text=_("Optional; shown instead of the animation's own picture."),
    )
    animation = models.CharField(
        _("animation"), max_length=10, choices=GiftAnimation.choices, default=GiftAnimation.HEART
    )
    coin_price = models.PositiveIntegerField(_("price (coins)"))
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "coin_price", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(coin_price__gt=0), name="gift_price_positive")
        ]
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")

    def __str__(self) -> str:
        return self.name


class GiftSend(models.Model):
    """``count`` of a gift sent in a room; ``coins`` were debited from the sender's wallet in
    the same transaction. ``send_id`` comes from the client, so a re-sent message is found
    here instead of debiting twice."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="gift_sends")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gift_sends"
    )
    gift = models.ForeignKey(Gift, on_delete=models.PROTECT, related_name="sends")
    count = models.PositiveSmallIntegerField()
    coins = models.PositiveIntegerField()
    send_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "send_id"], name="gift_send_once"),
        ]
        indexes = [models.Index(fields=["room", "created_at"])]
        verbose_name = _("gift sent")
        verbose_name_plural = _("gifts sent")

    def __str__(self) -> str:
        return f"{self.count} × {self.gift_id} in {self.room_id}"


class RoomGiftRevenue(LiveRoom):
    """The admin's "gift revenue per room" list (a view of LiveRoom)."""

    class Meta:
        proxy = True
        verbose_name = _("gift revenue per room")
        verbose_name_plural = _("gift revenue per room")
