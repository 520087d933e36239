"""Replay pages under the language prefix (/<lang>/replays/...); the media files are in
``urls.py`` without one."""

from django.urls import path

from liverooms.replays import pages

app_name = "replays"

urlpatterns = [
    path("", pages.replay_index, name="index"),
    path("<slug:slug>/", pages.replay_detail, name="replay"),
    path("<slug:slug>/view/", pages.replay_view_report, name="report-view"),
    path("<slug:slug>/watch/", pages.replay_watch_report, name="report-watch"),
    path("<slug:slug>/click/", pages.replay_click_report, name="report-click"),
    path("<slug:slug>/buy/quote/", pages.replay_buy_quote, name="buy-quote"),
    path("<slug:slug>/buy/", pages.replay_buy, name="buy"),
    path("<slug:slug>/buy/<str:number>/check/", pages.replay_buy_check, name="buy-check"),
]
