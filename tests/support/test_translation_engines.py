"""LibreTranslate and OpenAI-compatible engines against local servers speaking their protocols:
translations, language-code mapping, glossary, errors and timeouts (original text), caching."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.translation.engines import libretranslate
from support.translation.models import GlossaryTerm
from support.translation.services import memory_store, translate_text
from tests.factories import CatalogWorld
from tests.support.translation_servers import FakeServer, running

pytestmark = pytest.mark.django_db


@pytest.fixture
def libre(settings: Any) -> Iterator[FakeServer]:
    with running("libretranslate") as fake:
        settings.TRANSLATION_ENGINE = "libretranslate"
        settings.LIBRETRANSLATE_URL = fake.url
        settings.TRANSLATION_TIMEOUT = 0.5
        libretranslate._server_codes.clear()  # the code list is learnt once per URL
        yield fake


@pytest.fixture
def model(settings: Any) -> Iterator[FakeServer]:
    with running("openai") as fake:
        settings.TRANSLATION_ENGINE = "openai"
        settings.TRANSLATION_OPENAI_BASE_URL = fake.url
        settings.TRANSLATION_OPENAI_MODEL = "tiny-translator"
        settings.TRANSLATION_OPENAI_API_KEY = "sk-local"
        settings.TRANSLATION_TIMEOUT = 0.5
        yield fake


# LibreTranslate ---------------------------------------------------------------------------
def test_libretranslate_translates_and_caches(libre: FakeServer) -> None:
    result = translate_text(text="Is it silk?", source="en", target="es")
    assert (result.text, result.source, result.engine, result.cached) == (
        "¿Es de seda?",
        "en",
        "libretranslate",
        False,
    )
    again = translate_text(text="Is it silk?", source="en", target="es")
    assert again.text == "¿Es de seda?" and again.cached
    assert libre.translations("es") == 1  # the second call never reached the server
    body = next(b for b in libre.bodies if b["path"] == "/translate")
    assert body["format"] == "text" and body["source"] == "en"


@pytest.mark.parametrize("server_code", ["zh-Hans", "zh"])
def test_libretranslate_chinese_code_follows_the_server(
    libre: FakeServer, server_code: str
) -> None:
    libre.chinese_code = server_code
    result = translate_text(text="Is it silk?", source="en", target="zh-hans")
    assert result.text == "是真丝吗？" and result.target == "zh-hans"
    assert libre.translations(server_code) == 1


def test_libretranslate_auto_source_reports_the_detected_language(libre: FakeServer) -> None:
    result = translate_text(text="hmm 123", target="es")  # too little to detect offline
    assert result.source == "en" and result.text == "es: hmm 123"
    assert [b["source"] for b in libre.bodies if b["path"] == "/translate"] == ["auto"]


def test_libretranslate_sends_the_api_key(libre: FakeServer, settings: Any) -> None:
    libre.api_key = "secret"
    assert translate_text(text="Is it silk?", source="en", target="es").engine == "none"
    settings.LIBRETRANSLATE_API_KEY = "secret"
    assert translate_text(text="Is it silk?", source="en", target="es").text == "¿Es de seda?"


@pytest.mark.parametrize("mode", ["error", "slow", "garbage"])
def test_libretranslate_failures_give_the_original_text_and_are_not_cached(
    libre: FakeServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    libre.mode = mode
    result = translate_text(text="Is it silk?", source="en", target="es")
    assert (result.text, result.engine) == ("Is it silk?", "none")
    assert any("LibreTranslate" in record.getMessage() for record in caplog.records)
    libre.mode = "ok"
    assert translate_text(text="Is it silk?", source="en", target="es").text == "¿Es de seda?"


def test_libretranslate_unreachable_gives_the_original(settings: Any) -> None:
    settings.TRANSLATION_ENGINE = "libretranslate"
    settings.LIBRETRANSLATE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    libretranslate._server_codes.clear()
    result = translate_text(text="Is it silk?", source="en", target="zh-hans")
    assert (result.text, result.engine) == ("Is it silk?", "none")


def test_libretranslate_keeps_glossary_terms(libre: FakeServer, world: CatalogWorld) -> None:
    GlossaryTerm.objects.create(shop=world.shop_a, term="Lumiere", keep=True)
    result = translate_text(
        text="I love Lumiere scarves", source="en", target="es", shop=world.shop_a
    )
    assert result.text == "Me encantan las bufandas Lumiere"
    sent = next(b for b in libre.bodies if b["path"] == "/translate")
    assert sent["q"] == "I love [[0]] scarves"  # the engine never saw the brand


def test_glossary_fixes_terms_the_engine_left_untranslated(
    libre: FakeServer, world: CatalogWorld
) -> None:
    GlossaryTerm.objects.create(
        shop=world.shop_a, term="silk", translation="seda", source_language="en"
    )
    result = translate_text(
        text="Sale on silk scarves", source="en", target="es", shop=world.shop_a
    )
    assert "seda" in result.text and "silk" not in result.text


def test_human_memory_wins_over_the_engine(libre: FakeServer, world: CatalogWorld) -> None:
    memory_store(
        source_language="en",
        source_text="Is it silk?",
        target_language="es",
        target_text="¿Es seda natural?",
        shop=world.shop_a,
    )
    result = translate_text(text="Is it silk?", source="en", target="es", shop=world.shop_a)
    assert (result.text, result.engine) == ("¿Es seda natural?", "builtin")
    assert libre.translations("es") == 0


# OpenAI-compatible ------------------------------------------------------------------------
def test_openai_translates_with_a_strict_prompt_and_caches(model: FakeServer) -> None:
    result = translate_text(text="Is it silk?", source="en", target="zh-hans")
    assert (result.text, result.engine) == ("是真丝吗？", "openai")
    assert translate_text(text="Is it silk?", source="en", target="zh-hans").cached
    assert model.translations("zh-Hans") == 1
    body = model.bodies[0]
    assert body["path"] == "/v1/chat/completions" and body["model"] == "tiny-translator"
    assert body["temperature"] == 0
    assert body["headers"]["Authorization"] == "Bearer sk-local"
    system = body["messages"][0]["content"]
    assert "into Simplified Chinese" in system and "translation only" in system
    assert body["messages"][1]["content"] == "<text>Is it silk?</text>"


def test_openai_prompt_carries_the_glossary(model: FakeServer, world: CatalogWorld) -> None:
    GlossaryTerm.objects.create(shop=world.shop_a, term="Lumiere", translation="Lumière")
    result = translate_text(text="Lumiere is here", source="en", target="es", shop=world.shop_a)
    system = model.bodies[0]["messages"][0]["content"]
    assert '"Lumiere" must be written "Lumière"' in system
    assert result.text == "es: Lumière is here"


def test_openai_reuses_the_agent_settings(model: FakeServer, settings: Any) -> None:
    settings.TRANSLATION_OPENAI_BASE_URL = ""
    settings.AI_BASE_URL = model.url
    settings.TRANSLATION_OPENAI_MODEL = ""
    settings.AI_MODEL = "agent-model"
    assert translate_text(text="Is it silk?", source="en", target="es").text == "¿Es de seda?"
    assert model.bodies[0]["model"] == "agent-model"


@pytest.mark.parametrize("mode", ["error", "slow", "garbage", "ramble"])
def test_openai_failures_give_the_original_text(
    model: FakeServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    model.mode = mode
    result = translate_text(text="Is it silk?", source="en", target="es")
    assert (result.text, result.engine) == ("Is it silk?", "none")
    assert any("translation model" in record.getMessage() for record in caplog.records)
