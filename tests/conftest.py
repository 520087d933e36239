"""Shared fixtures. Which database and Redis the run uses is printed in pytest's header."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from tests.factories import CatalogWorld, build_world


def pytest_report_header(config: pytest.Config) -> list[str]:
    services = settings.SHOWROOM_TEST_SERVICES
    return [
        f"showroom database: {services.database_label}",
        f"showroom redis: {services.redis_label}",
    ]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can tell in teardown whether
    the test failed (and then print the logs of the servers it started)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, plus a clean end: connections that worker threads of
    async tests opened (``database_sync_to_async``) stay open in those threads, and PostgreSQL
    refuses to drop a database still in use ("accessed by other users")."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connection.close()


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    _clear_realtime_keys()
    yield


def _clear_realtime_keys() -> None:
    """Room sequences, histories and presence live in Redis: start every test without them."""
    from liverooms.realtime.events import sync_client

    client = sync_client()
    keys = list(client.scan_iter(match=f"{settings.REALTIME_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def world(db: Any) -> CatalogWorld:
    """Two shops with staff, published and draft products, prices and FX rates."""
    return build_world()


@pytest.fixture
def live_world(transactional_db: Any) -> CatalogWorld:
    return build_world()
