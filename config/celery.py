"""The Celery application. The broker is Redis (``REDIS_URL``); tasks live in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("showroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
