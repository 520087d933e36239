"""Template tags for the quiz partials (the host console's quiz picker)."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from liverooms.quizzes.models import QuizSet
from liverooms.quizzes.selectors import quiz_sets_for_room
from liverooms.rooms.models import LiveRoom

register = template.Library()


@register.simple_tag
def quiz_sets_for(room: LiveRoom) -> QuerySet[QuizSet]:
    return quiz_sets_for_room(room)
