"""Chromium: the host runs a quiz from the console, a viewer on the Spanish room page answers
correctly, sees the win notice after the reveal and then the code in My coupons."""

from __future__ import annotations

import pytest

from liverooms.quizzes.models import Reward
from shop.vouchers.models import Voucher
from tests.browser.conftest import signed_in_context
from tests.factories import build_world, make_user
from tests.liverooms.quiz_helpers import make_live_room, make_quiz
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, user):  # type: ignore[no-untyped-def]
    return signed_in_context(browser, user)


def test_viewer_answers_wins_and_finds_the_code(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    room = make_live_room(world.shop_a, "quiz-browser")
    quiz_set = make_quiz(world.shop_a, rule="every_correct", time_limit=60)
    quiz_set.questions.first().options.filter(is_correct=False).update(
        texts={"en": "Wool", "es": "Lana <b>gruesa</b>"}
    )
    shopper = make_user("ana@example.test", first_name="Ana")
    server = web_server()
    host_context, viewer_context = _context(browser, world.host_a), _context(browser, shopper)
    try:
        host, viewer = host_context.new_page(), viewer_context.new_page()
        host.goto(f"http://{server}/en/live/{room.slug}/host/")
        viewer.goto(f"http://{server}/es/live/{room.slug}/")
        viewer.wait_for_function("document.getElementById('room').dataset.status === 'live'")
        host.select_option("#quiz-set", str(quiz_set.pk))
        host.click("#quiz-start")
        host.wait_for_function(
            "document.getElementById('quiz-status').textContent.includes('Fabric quiz')"
        )
        host.click("#quiz-launch")
        # The viewer sees the question in Spanish, with a countdown, merchant text as text
        viewer.locator("#quiz-question", has_text="¿De qué tela?").wait_for(timeout=8000)
        assert viewer.locator("#quiz-options button").count() == 2
        assert viewer.locator("#quiz-options b").count() == 0
        assert "Lana <b>gruesa</b>" in viewer.locator("#quiz-options").inner_text()
        viewer.wait_for_function(
            "/\\d+/.test(document.getElementById('quiz-countdown').textContent)"
        )
        viewer.click("#quiz-options button:has-text('Seda')")
        viewer.wait_for_function(
            "document.querySelector('#quiz-options button.chosen') && "
            "[...document.querySelectorAll('#quiz-options button')].every((b) => b.disabled)"
        )
        host.wait_for_function(
            "document.getElementById('quiz-status').textContent.includes('1 answers')", timeout=8000
        )
        host.click("#quiz-reveal")
        viewer.wait_for_selector("#quiz-options button.correct:has-text('Seda')")
        viewer.wait_for_selector("#quiz-won:not([hidden])", timeout=8000)
        assert "Ana" in viewer.locator("#quiz-winners").inner_text()
        assert "Ana" in host.locator("#quiz-host-leaderboard").inner_text()
        code = Voucher.objects.get(owner=shopper, template=quiz_set.reward_voucher).code
        assert code not in viewer.content()  # the room only ever shows names
        viewer.click("#quiz-won-link")
        viewer.wait_for_url("**/coupons/")
        assert viewer.locator(f".coupon[data-code='{code}'] .coupon-code").inner_text() == code
        assert Reward.objects.filter(user=shopper).count() == 1
    finally:
        host_context.close()
        viewer_context.close()
