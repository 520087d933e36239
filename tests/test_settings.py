"""Settings come from the environment; production settings pass ``check --deploy``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.subprocess_env import child_env

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'redis': settings.REDIS_URL, "
    "'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG, "
    "'hosts': settings.ALLOWED_HOSTS, 'email': settings.EMAIL_BACKEND, "
    "'layer': settings.CHANNEL_LAYERS['default']['CONFIG']['hosts']}))"
)


def _settings_with(env: dict[str, str], module: str = "config.settings.base") -> dict[str, object]:
    clean = child_env(DJANGO_SETTINGS_MODULE=module, **env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_defaults_are_sqlite_and_the_bundled_redis() -> None:
    values = _settings_with({})
    assert values["engine"] == "django.db.backends.sqlite3"
    assert str(values["name"]).endswith("var/db.sqlite3")
    assert values["redis"] == "redis://127.0.0.1:6399/0"
    assert values["broker"] == values["redis"]
    assert values["debug"] is False


def test_environment_switches_to_postgres_and_external_redis() -> None:
    values = _settings_with(
        {
            "DATABASE_URL": "postgres://shop:pw@db.internal:5432/showroom",
            "REDIS_URL": "redis://cache.internal:6379/3",
            "DEBUG": "true",
            "ALLOWED_HOSTS": "shop.example.com,.example.org",
            "EMAIL_URL": "smtp://mailer:secret@smtp.example.com:587",
        }
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "showroom"
    assert values["redis"] == values["broker"] == "redis://cache.internal:6379/3"
    assert values["layer"] == ["redis://cache.internal:6379/3"]
    assert values["debug"] is True
    assert values["hosts"] == ["shop.example.com", ".example.org"]
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"


PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 20 + "-production-secret-with-enough-entropy-0987654321",
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "sqlite:////tmp/showroom-deploy-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "RELAY_SECRET": "relay-" + "y" * 40,
}


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    env = child_env(DJANGO_SETTINGS_MODULE="config.settings.production", **PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "a.example"}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("module", ["config.asgi", "config.celery"])
def test_entry_points_import(module: str) -> None:
    code = f"import {module} as m; print(type(getattr(m, 'application', getattr(m, 'app', None))).__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=child_env(DJANGO_SETTINGS_MODULE="config.settings.base"),
    )
    assert out.stdout.strip() in {"ProtocolTypeRouter", "Celery"}
