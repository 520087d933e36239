"""Translation memory (past translations, human ones preferred) and per-shop glossaries.

Rows with ``shop`` empty are global: every shop's lookups see them after its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Shop


class MemoryOrigin(models.TextChoices):
    HUMAN = "human", _("Human translation")
    MACHINE = "machine", _("Machine translation")


class TranslationMemoryEntry(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="translation_memory"
    )
    source_language = models.CharField(
        _("source language"), max_length=10, choices=settings.LANGUAGES
    )
    source_text = models.TextField(_("source text"))
    # sha256 of the normalised source text: exact matches are an index lookup.
    source_hash = models.CharField(max_length=64, editable=False)
    target_language = models.CharField(
        _("target language"), max_length=10, choices=settings.LANGUAGES
    )
    target_text = models.TextField(_("translation"))
    origin = models.CharField(
        _("origin"), max_length=10, choices=MemoryOrigin.choices, default=MemoryOrigin.HUMAN
    )
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "source_language", "source_hash", "target_language"],
                name="unique_translation_memory_entry",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(
                fields=["source_language", "target_language", "source_hash"],
                name="translation_memory_lookup",
            )
        ]
        verbose_name = _("translation memory entry")
        verbose_name_plural = _("translation memory")

    def __str__(self) -> str:
        return f"[{self.source_language}→{self.target_language}] {self.source_text[:40]}"


class GlossaryTerm(models.Model):
    """A term translated one fixed way, or kept as is (brand names) when ``keep`` is set."""

    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(_("term"), max_length=200)
    source_language = models.CharField(
        _("source language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty for a term that is the same in every language (a brand)."),
    )
    target_language = models.CharField(
        _("target language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to apply to every target language."),
    )
    translation = models.CharField(_("translation"), max_length=200, blank=True)
    keep = models.BooleanField(_("keep untranslated"), default=False)
    case_sensitive = models.BooleanField(_("case sensitive"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")

    def __str__(self) -> str:
        return self.term

    def rendering(self) -> str:
        """What the term must read as in a translation."""
        return self.term if self.keep or not self.translation else self.translation
