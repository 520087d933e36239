"""Giveaways (entries, winners, a committed seed) and live-only coupon drops (claims)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liverooms.rooms.models import LiveRoom
from shop.vouchers.models import Voucher


class GiveawayStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    DRAWN = "drawn", _("Drawn")


def new_public_id() -> str:
    return secrets.token_hex(4)


class Giveaway(models.Model):
    """``seed`` stays secret until the draw; ``seed_hash`` (sha256 of its bytes) is published
    when the giveaway opens, so the draw can be checked afterwards (draw.py)."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="giveaways")
    prize = models.CharField(_("prize"), max_length=200)
    winners_count = models.PositiveSmallIntegerField(_("winners"), default=1)
    requires_purchase = models.BooleanField(_("bought in this room"), default=False)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    keyword = models.CharField(_("chat keyword"), max_length=40, blank=True)
    closes_at = models.DateTimeField(_("closes"))
    seed = models.CharField(max_length=64, editable=False)
    seed_hash = models.CharField(_("seed hash"), max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=6, choices=GiveawayStatus.choices, default=GiveawayStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room"],
                condition=models.Q(status="open"),
                name="one_open_giveaway_per_room",
            )
        ]
        verbose_name = _("giveaway")
        verbose_name_plural = _("giveaways")

    def __str__(self) -> str:
        return self.prize


class EntryMethod(models.TextChoices):
    BUTTON = "button", _("Button")
    KEYWORD = "keyword", _("Chat keyword")


class GiveawayEntry(models.Model):
    """One per shopper and giveaway. The public ``handle`` (display name + an opaque id) is
    what the entry list shows; e-mails and account ids are never published."""

    shop_scope_path = "giveaway__room__shop"

    giveaway = models.ForeignKey(Giveaway, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=8, default=new_public_id, editable=False)
    name = models.CharField(max_length=40)
    method = models.CharField(max_length=7, choices=EntryMethod.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["giveaway", "user"], name="one_entry_per_shopper")
        ]
        verbose_name = _("giveaway entry")
        verbose_name_plural = _("giveaway entries")

    def __str__(self) -> str:
        return self.handle

    @property
    def handle(self) -> str:
        return f"{self.name}#{self.public_id}"


class GiveawayWinner(models.Model):
    shop_scope_path = "giveaway__room__shop"

    giveaway = models.ForeignKey(Giveaway, on_delete=models.CASCADE, related_name="winners")
    entry = models.OneToOneField(GiveawayEntry, on_delete=models.CASCADE, related_name="win")
    position = models.PositiveSmallIntegerField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["giveaway", "position"]
        verbose_name = _("giveaway winner")
        verbose_name_plural = _("giveaway winners")

    def __str__(self) -> str:
        return f"{self.position}. {self.entry.handle}"


class CouponStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class CouponCloseReason(models.TextChoices):
    SOLD_OUT = "sold_out", _("All claimed")
    HOST = "host", _("Stopped by the host")
    ROOM_ENDED = "room_ended", _("The show ended")


class RoomCoupon(models.Model):
    """A live-only coupon drop: ``total`` codes made from the shop's voucher template, at most
    ``per_shopper`` each, claimable only while the room is live."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="coupons")
    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="+", verbose_name=_("voucher template")
    )
    total = models.PositiveIntegerField(_("codes"))
    per_shopper = models.PositiveIntegerField(_("per shopper"), default=1)
    claimed = models.PositiveIntegerField(_("claimed"), default=0)
    status = models.CharField(
        _("status"), max_length=6, choices=CouponStatus.choices, default=CouponStatus.ACTIVE
    )
    close_reason = models.CharField(max_length=10, choices=CouponCloseReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claimed__lte=models.F("total")), name="coupon_within_total"
            ),
            models.UniqueConstraint(
                fields=["room"],
                condition=models.Q(status="active"),
                name="one_active_coupon_per_room",
            ),
        ]
        verbose_name = _("live coupon")
        verbose_name_plural = _("live coupons")

    def __str__(self) -> str:
        return f"{self.voucher} x{self.total}"

    @property
    def remaining(self) -> int:
        return self.total - self.claimed


class RoomCouponClaim(models.Model):
    shop_scope_path = "coupon__room__shop"

    coupon = models.ForeignKey(RoomCoupon, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.OneToOneField(Voucher, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["coupon", "user"])]

    def __str__(self) -> str:
        return f"{self.code} for {self.user_id}"
