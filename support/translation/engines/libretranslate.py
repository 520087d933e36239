"""LibreTranslate's HTTP API: ``POST /translate``, ``/detect``, ``GET /languages``.

Language codes: LibreTranslate says ``zh`` (before 1.6) or ``zh-Hans``/``zh-Hant`` (1.6+)
for Chinese; which one is learnt from ``/languages`` once per process and URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

from support.translation.engines import EngineTranslation, GlossaryEntry
from support.translation.engines.glossary import protect, restore
from support.translation.engines.http import session
from support.translation.languages import normalize_language

logger = logging.getLogger(__name__)

_server_codes: dict[str, set[str]] = {}


@dataclass
class LibreTranslateEngine:
    url: str
    api_key: str = ""
    timeout: float = 5.0
    name: str = "libretranslate"

    @classmethod
    def from_settings(cls) -> LibreTranslateEngine:
        return cls(
            url=settings.LIBRETRANSLATE_URL.rstrip("/"),
            api_key=settings.LIBRETRANSLATE_API_KEY,
            timeout=settings.TRANSLATION_TIMEOUT,
        )

    # Codes ------------------------------------------------------------------------------
    def server_codes(self) -> set[str]:
        """Codes the server lists (cached per URL; empty when it could not be asked)."""
        if self.url not in _server_codes:
            try:
                response = session().get(f"{self.url}/languages", timeout=self.timeout)
                response.raise_for_status()
                _server_codes[self.url] = {str(item["code"]) for item in response.json()}
            except (requests.RequestException, ValueError, KeyError, TypeError) as failed:
                logger.warning("LibreTranslate /languages at %s failed: %s", self.url, failed)
                return set()
        return _server_codes[self.url]

    def to_server(self, code: str) -> str:
        if code != "zh-hans":
            return code
        codes = self.server_codes()
        return "zh-Hans" if "zh-Hans" in codes or "zh-hans" in codes else "zh"

    # API --------------------------------------------------------------------------------
    def _post(self, path: str, body: dict[str, Any]) -> Any | None:
        if self.api_key:
            body = {**body, "api_key": self.api_key}
        try:
            response = session().post(f"{self.url}{path}", json=body, timeout=self.timeout)
        except requests.RequestException as failed:
            logger.warning("LibreTranslate %s at %s failed: %s", path, self.url, failed)
            return None
        if response.status_code != 200:
            logger.warning(
                "LibreTranslate %s answered %s: %s", path, response.status_code, response.text[:200]
            )
            return None
        try:
            return response.json()
        except ValueError:
            logger.warning("LibreTranslate %s answered something that is not JSON", path)
            return None

    def translate(
        self, *, text: str, source: str | None, target: str, glossary: list[GlossaryEntry]
    ) -> EngineTranslation | None:
        protected, used = protect(text, glossary)
        answer = self._post(
            "/translate",
            {
                "q": protected,
                "source": self.to_server(source) if source else "auto",
                "target": self.to_server(target),
                "format": "text",
            },
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("translatedText"), str):
            if answer is not None:
                logger.warning("LibreTranslate /translate answer without translatedText")
            return None
        detected = answer.get("detectedLanguage")
        used_source = source
        if used_source is None and isinstance(detected, dict):
            used_source = normalize_language(str(detected.get("language", "")))
        return EngineTranslation(text=restore(answer["translatedText"], used), source=used_source)

    def detect(self, text: str) -> str | None:
        answer = self._post("/detect", {"q": text})
        if isinstance(answer, list) and answer and isinstance(answer[0], dict):
            return normalize_language(str(answer[0].get("language", "")))
        return None
