"""Test settings: real PostgreSQL/Redis when reachable (CI), SQLite + embedded Redis otherwise.

The choice is printed in pytest's header (tests/conftest.py).
"""

import atexit
import os
import zlib

from config.services import VAR_DIR, EmbeddedRedis, choose_test_services, free_port

_services = choose_test_services()
if not _services.redis_url:
    # Started once by the first process that loads these settings (pytest's controller);
    # xdist workers inherit the URL through the environment.
    _redis = EmbeddedRedis(port=free_port(), workdir=VAR_DIR / "test-redis").start()
    os.environ["SHOWROOM_TEST_REDIS_URL"] = _redis.url
    atexit.register(_redis.stop)
    _services = choose_test_services()

os.environ["DATABASE_URL"] = _services.database_url
os.environ["REDIS_URL"] = _services.redis_url
os.environ.setdefault("DEBUG", "false")
SHOWROOM_TEST_SERVICES = _services

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import CACHES, CHANNEL_LAYERS, REDIS_URL  # noqa: E402

# Each xdist worker gets its own Redis database number and key prefixes. Two pytest runs on
# one machine at once (e.g. two people or agents sharing it) set SHOWROOM_TEST_RUN to
# different names so their test databases and Redis keys do not collide.
_run = "".join(c for c in os.environ.get("SHOWROOM_TEST_RUN", "") if c.isalnum())[:20].lower()
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0") + (f"-{_run}" if _run else "")
_worker_index = int(_worker[2:].split("-")[0] or 0) if _worker.startswith("gw") else 0
_base_redis = REDIS_URL.rsplit("/", 1)[0]
# The cache's clear() (run before every test) is a FLUSHDB: a named run gets a Redis database
# of its own too, or one run's tests wipe the keys of another run's test in flight.
# Databases 1-12 only: 13 is the chat benchmark's and 15 the relay tests' (tests/relay).
_run_offset = zlib.crc32(_run.encode()) % 12 if _run else 0
TEST_REDIS_URL = f"{_base_redis}/{1 + (_worker_index + _run_offset) % 12}"
CACHES["default"]["LOCATION"] = TEST_REDIS_URL
CACHES["default"]["KEY_PREFIX"] = f"test-{_worker}"
CHANNEL_LAYERS["default"]["CONFIG"] = {"hosts": [TEST_REDIS_URL], "prefix": f"test-{_worker}"}
CELERY_BROKER_URL = TEST_REDIS_URL
REALTIME_REDIS_URL = TEST_REDIS_URL
REALTIME_PREFIX = f"test-{_worker}"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

from config.settings.base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: web processes started by tests must see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{_worker}.sqlite3")}
elif _run:
    # pytest-django adds the xdist worker suffix itself.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_run}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media" / _worker
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

DATABASES["default"]["CONN_MAX_AGE"] = 0  # tests open and drop databases freely
