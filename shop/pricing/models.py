"""Stored, dated FX rates used when a variant has no explicit price in a currency."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FxRate(models.Model):
    """1 ``base`` = ``rate`` ``quote`` on ``as_of``. Rates are kept, never overwritten."""

    base = models.CharField(_("base currency"), max_length=3)
    quote = models.CharField(_("quote currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=60, default="manual")

    class Meta:
        ordering = ["base", "quote", "-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "as_of"], name="unique_fx_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-as_of"])]
        verbose_name = _("FX rate")
        verbose_name_plural = _("FX rates")

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} ({self.as_of})"
