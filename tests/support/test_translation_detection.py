"""Offline language detection on short and mixed texts in the five site languages."""

from __future__ import annotations

import importlib.metadata
import socket
from typing import Any

import pytest

from support.translation.services import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is my order", "en"),
        ("is it silk?", "en"),
        ("hi", "en"),
        ("Can I pay with PayPal when it arrives?", "en"),
        ("¿dónde está mi pedido?", "es"),
        ("es de seda", "es"),
        ("gracias", "es"),
        ("Quiero devolver el vestido porque me queda grande", "es"),
        ("多少钱", "zh-hans"),
        ("我的订单在哪里", "zh-hans"),
        ("这个 size 有吗", "zh-hans"),  # mixed: Chinese with an English word
        ("M号还有吗？", "zh-hans"),
        ("كم السعر", "ar"),
        ("طلبي وين", "ar"),
        ("هل يوجد مقاس L؟", "ar"),  # mixed script: Arabic with a Latin size
        ("berapa harganya kak", "id"),
        ("makasih kak", "id"),
        ("pesanan saya di mana", "id"),
        ("Apakah bisa kirim ke Surabaya minggu ini?", "id"),
        ("ok gan, ready stock?", "id"),  # Indonesian slang with English words
    ],
)
def test_detects_the_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "123", "🔥🔥🔥", "?!"])
def test_no_words_means_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_detection_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """lingua's models ship in its wheel: detecting works with sockets forbidden."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("language detection tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert detect_language("Bonjour? No: buenos días, ¿qué tal?") == "es"
    assert importlib.metadata.version("lingua-language-detector") == "2.1.1"
