"""Project configuration: settings, ASGI/Celery entry points, URL map and process runner."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
