"""Two buyers on /consultations/ in Chromium: one holds a slot, it vanishes from the other's
page without a reload; the other page found its time zone by itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.factories import make_shop, make_user
from tests.servers import web_server  # noqa: F401 - fixture
from tests.support.booking_world import make_consultant, make_service, upcoming_slots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_held_slot_disappears_from_the_other_page_without_reload(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    shop = make_shop("maison-browser")
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(12)))
    slot = upcoming_slots(service, tz="Australia/Sydney")[0]
    key = f"{slot.consultant_id}|{int(slot.starts_at.timestamp())}"
    server = web_server()
    client = Client()
    client.force_login(make_user())
    holder_context = browser.new_context(viewport={"width": 390, "height": 844})
    holder_context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )
    # The other buyer is in Sydney and opens the page without saying so
    watcher_context = browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Australia/Sydney"
    )
    try:
        holder, watcher = holder_context.new_page(), watcher_context.new_page()
        holder.goto(f"http://{server}/en/consultations/?service={service.pk}&tz=Australia/Sydney")
        watcher.goto(f"http://{server}/en/consultations/?service={service.pk}")
        watcher.wait_for_url(f"**/en/consultations/?service={service.pk}&tz=Australia%2FSydney")
        assert watcher.locator("#slots").get_attribute("data-tz") == "Australia/Sydney"
        for page in (holder, watcher):
            page.wait_for_function(
                "document.getElementById('live-status').dataset.state === 'live'"
            )
            page.locator(f'li[data-slot="{key}"]').wait_for()
        watcher.evaluate("window.notReloaded = true")

        # When the holder picks the slot
        holder.locator(f'li[data-slot="{key}"] button').click()
        holder.wait_for_url("**/consultations/bookings/*/")
        assert holder.locator("#hold-countdown").inner_text().startswith(("4:", "5:"))

        # Then it disappears from the watcher's page, which was not reloaded
        watcher.locator(f'li[data-slot="{key}"]').wait_for(state="detached", timeout=5000)
        assert watcher.evaluate("window.notReloaded") is True
        assert watcher.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        holder_context.close()
        watcher_context.close()
