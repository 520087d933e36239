"""The ASGI application as test servers run it: the real one, plus static files."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from config.asgi import application as platform_application

application = ASGIStaticFilesHandler(platform_application)
