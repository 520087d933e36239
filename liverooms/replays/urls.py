"""Replay media URLs (no language prefix: files are the same in every language). The replay
page (/<lang>/replays/<slug>/) is added under the i18n patterns with its own module."""

from django.urls import path

from liverooms.replays.views import replay_media

app_name = "replay-media"
urlpatterns = [
    path("<int:replay_id>/<str:kind>", replay_media, name="file"),
]
