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
