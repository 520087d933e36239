"""Support chat pages (under the language prefix: /<lang>/support/...)."""

from django.urls import path

from support.chat import views

app_name = "support"

urlpatterns = [
    path("widget/", views.widget_config, name="widget-config"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path(
        "inbox/<int:conversation_id>/<slug:action>/",
        views.conversation_action,
        name="conversation-action",
    ),
]
