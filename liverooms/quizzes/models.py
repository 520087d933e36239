"""Live quizzes: quiz sets authored in the admin, their runs in a room, answers and rewards.

Texts are stored per language (``{"en": "...", "zh-hans": "..."}``) so one broadcast serves
every viewer; each client shows its own language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liverooms.rooms.models import LiveRoom
from shop.shops.models import Shop
from shop.vouchers.models import Voucher

MIN_OPTIONS, MAX_OPTIONS = 2, 4


def text_in(texts: dict[str, str], language: str, fallback: str = "en") -> str:
    """The text in ``language``, else ``fallback``, else any language there is."""
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")


class RewardRule(models.TextChoices):
    EVERY_CORRECT = "every_correct", _("Everyone who answers a question correctly")
    FIRST_N = "first_n", _("The first N correct answers to each question")
    TOP_N = "top_n", _("The top N of the leaderboard when the quiz ends")


class QuizSet(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="quiz_sets")
    title = models.CharField(_("title"), max_length=120)
    reward_rule = models.CharField(
        _("reward rule"), max_length=16, choices=RewardRule.choices, default=RewardRule.TOP_N
    )
    reward_count = models.PositiveIntegerField(
        _("N"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("How many winners for 'first N' and 'top N'."),
    )
    reward_voucher = models.ForeignKey(
        Voucher,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"template__isnull": True, "owner__isnull": True},
        verbose_name=_("reward voucher"),
        help_text=_("Each winner gets a single-use code copied from this voucher."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("quiz set")
        verbose_name_plural = _("quiz sets")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        voucher_id = self.reward_voucher_id  # type: ignore[attr-defined]
        if voucher_id and self.shop_id:  # type: ignore[attr-defined]
            voucher = Voucher.objects.filter(pk=voucher_id).first()
            if voucher is None or voucher.shop_id != self.shop_id:  # type: ignore[attr-defined]
                raise ValidationError(
                    {"reward_voucher": _("Choose a voucher of the quiz's own shop.")}
                )


class Question(models.Model):
    shop_scope_path = "quiz_set__shop"

    quiz_set = models.ForeignKey(QuizSet, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    texts = models.JSONField(_("question"), default=dict, blank=True)
    time_limit_seconds = models.PositiveIntegerField(
        _("time limit (seconds)"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(300)],
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return text_in(self.texts, "en")[:60] or f"#{self.pk}"


class Option(models.Model):
    shop_scope_path = "question__quiz_set__shop"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(_("position"), default=0)
    texts = models.JSONField(_("option"), default=dict, blank=True)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return text_in(self.texts, "en")[:60] or f"#{self.pk}"


class QuizRun(models.Model):
    """A quiz set played in a live room (at most one open run per room)."""

    shop_scope_path = "room__shop"

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="quiz_runs")
    quiz_set = models.ForeignKey(QuizSet, on_delete=models.PROTECT, related_name="runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(ended_at__isnull=True), name="one_open_quiz_per_room"
            )
        ]
        verbose_name = _("quiz run")
        verbose_name_plural = _("quiz runs")

    def __str__(self) -> str:
        return f"{self.quiz_set_id} in {self.room_id}"


class QuestionRun(models.Model):
    """One question put to the room. Answers count until ``deadline`` (server time) or until
    the host reveals it, whichever comes first."""

    shop_scope_path = "quiz_run__room__shop"

    quiz_run = models.ForeignKey(QuizRun, on_delete=models.CASCADE, related_name="question_runs")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    revealed_at = models.DateTimeField(null=True, blank=True)
    distribution = models.JSONField(default=dict, blank=True)  # option id -> answers

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["quiz_run", "question"], name="question_once_per_run")
        ]

    def __str__(self) -> str:
        return f"Q{self.number} of run {self.quiz_run_id}"


class Answer(models.Model):
    """One shopper's answer to one question run (one only: the constraint says so)."""

    question_run = models.ForeignKey(QuestionRun, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+")
    is_correct = models.BooleanField(default=False)
    elapsed_ms = models.PositiveIntegerField(help_text="Milliseconds from launch to answer.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question_run", "user"], name="one_answer_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.option_id}"


class Reward(models.Model):
    """A coupon won: per question (every correct / first N) or per quiz (top N). The unique
    constraints make issuing a reward twice impossible, whatever retries happen."""

    shop_scope_path = "quiz_run__room__shop"

    quiz_run = models.ForeignKey(QuizRun, on_delete=models.CASCADE, related_name="rewards")
    question_run = models.ForeignKey(
        QuestionRun, null=True, blank=True, on_delete=models.CASCADE, related_name="rewards"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.SET_NULL, related_name="quiz_reward"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question_run", "user"],
                condition=Q(question_run__isnull=False),
                name="one_reward_per_question",
            ),
            models.UniqueConstraint(
                fields=["quiz_run", "user"],
                condition=Q(question_run__isnull=True),
                name="one_reward_per_quiz",
            ),
        ]
        verbose_name = _("quiz reward")
        verbose_name_plural = _("quiz rewards")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.voucher_id}"


def payload_texts(texts: dict[str, Any]) -> dict[str, str]:
    return {code: str(texts[code]) for code in settings.LANGUAGE_CODES if texts.get(code)}
