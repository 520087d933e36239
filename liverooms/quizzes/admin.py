"""Merchant admin for quizzes: quiz sets with their questions, questions with their options
(texts in every shop language), runs and rewards read-only. Scoped to the staff's shops."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from liverooms.quizzes.models import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    Option,
    Question,
    QuizRun,
    QuizSet,
    Reward,
)
from shop.shops.admin import ShopScopedAdmin, ShopScopedInline


def _field_name(code: str) -> str:
    return "text_" + code.replace("-", "_")


class TextsForm(forms.ModelForm):
    """One text box per shop language, stored together in the model's ``texts`` JSON."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        texts = self.instance.texts or {}
        for code in settings.LANGUAGE_CODES:
            self.initial.setdefault(_field_name(code), texts.get(code, ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        texts = {
            code: (cleaned.get(_field_name(code)) or "").strip() for code in settings.LANGUAGE_CODES
        }
        texts = {code: text for code, text in texts.items() if text}
        if not texts and not cleaned.get("DELETE"):
            raise ValidationError(_("Enter the text in at least one language."))
        self.instance.texts = texts
        return cleaned


def _texts_form(name: str, model: type, fields: list[str], label: str) -> type[TextsForm]:
    attrs: dict[str, Any] = {
        _field_name(code): forms.CharField(
            label=f"{label} ({language})", required=False, max_length=300
        )
        for code, language in settings.LANGUAGES
    }
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": fields})
    return type(name, (TextsForm,), attrs)


TEXT_FIELDS = [_field_name(code) for code in settings.LANGUAGE_CODES]
QuestionForm = _texts_form(
    "QuestionForm", Question, ["position", "time_limit_seconds"], str(_("Question"))
)
OptionForm = _texts_form("OptionForm", Option, ["position", "is_correct"], str(_("Option")))


class OptionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not MIN_OPTIONS <= len(kept) <= MAX_OPTIONS:
            raise ValidationError(_("A question has 2 to 4 options."))
        if sum(bool(form.cleaned_data.get("is_correct")) for form in kept) != 1:
            raise ValidationError(_("Mark exactly one option as correct."))


class OptionInline(ShopScopedInline, admin.TabularInline):
    model = Option
    form = OptionForm
    formset = OptionFormSet
    shop_path = "question__quiz_set__shop"
    parent_shop_path = "quiz_set__shop"
    fields = ["position", *TEXT_FIELDS, "is_correct"]
    extra = 0
    min_num = MIN_OPTIONS
    max_num = MAX_OPTIONS


class QuestionInline(ShopScopedInline, admin.StackedInline):
    model = Question
    form = QuestionForm
    shop_path = "quiz_set__shop"
    parent_shop_path = "shop"
    fields = ["position", *TEXT_FIELDS, "time_limit_seconds"]
    extra = 0
    show_change_link = True  # options are edited on the question's own page


@admin.register(QuizSet)
class QuizSetAdmin(ShopScopedAdmin):
    list_display = ("title", "shop", "reward_rule", "reward_count", "reward_voucher")
    search_fields = ("title",)
    fields = ("shop", "title", "reward_rule", "reward_count", "reward_voucher")
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(ShopScopedAdmin):
    form = QuestionForm
    shop_path = "quiz_set__shop"
    list_display = ("__str__", "quiz_set", "position", "time_limit_seconds")
    list_filter = ("quiz_set",)
    fields = ["quiz_set", "position", *TEXT_FIELDS, "time_limit_seconds"]
    inlines = [OptionInline]


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuizRun)
class QuizRunAdmin(ReadOnlyMixin, ShopScopedAdmin):
    shop_path = "room__shop"
    list_display = ("quiz_set", "room", "started_at", "ended_at")


@admin.register(Reward)
class RewardAdmin(ReadOnlyMixin, ShopScopedAdmin):
    shop_path = "quiz_run__room__shop"
    list_display = ("user", "quiz_run", "question_run", "voucher", "created_at")
    raw_id_fields = ("user",)
