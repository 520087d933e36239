"""Translation memory and glossary in the merchant admin: scoped to the shop; a glossary
change re-translates texts the cache already held."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from support.translation.memory import text_hash
from support.translation.models import GlossaryTerm, TranslationMemoryEntry
from support.translation.services import memory_store, translate_text
from tests.factories import CatalogWorld

pytestmark = pytest.mark.django_db(transaction=True)  # glossary changes apply on commit


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_memory_entries_added_in_the_admin_are_found_and_scoped(world: CatalogWorld) -> None:
    owner = logged_in(world.owner_a)
    response = owner.post(
        reverse("admin:support_translation_translationmemoryentry_add"),
        {
            "source_language": "en",
            "target_language": "id",
            "origin": "human",
            "source_text": "Ships in 2 days",
            "target_text": "Dikirim dalam 2 hari",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = TranslationMemoryEntry.objects.get()
    assert entry.shop == world.shop_a and entry.source_hash == text_hash("Ships in 2 days")
    result = translate_text(text="Ships in 2 days", source="en", target="id", shop=world.shop_a)
    assert result.text == "Dikirim dalam 2 hari"
    listing = reverse("admin:support_translation_translationmemoryentry_changelist")
    assert "Ships in 2 days" in owner.get(listing).content.decode()
    assert "Ships in 2 days" not in logged_in(world.owner_b).get(listing).content.decode()


def test_glossary_change_in_the_admin_replaces_cached_translations(world: CatalogWorld) -> None:
    memory_store(
        source_language="en",
        source_text="The Aurora scarf is back",
        target_language="es",
        target_text="La bufanda Aurora ha vuelto",
        shop=world.shop_a,
    )
    before = translate_text(
        text="The Aurora scarf is back!", source="en", target="es", shop=world.shop_a
    )
    assert before.text == "La bufanda Aurora ha vuelto"
    response = logged_in(world.owner_a).post(
        reverse("admin:support_translation_glossaryterm_add"),
        {
            "shop": world.shop_a.pk,
            "term": "Aurora",
            "translation": "AURORA™",
            "source_language": "",
            "target_language": "es",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert GlossaryTerm.objects.get().shop == world.shop_a
    after = translate_text(
        text="The Aurora scarf is back!", source="en", target="es", shop=world.shop_a
    )
    assert after.text == "La bufanda AURORA™ ha vuelto" and not after.cached
    glossary = reverse("admin:support_translation_glossaryterm_changelist")
    assert "AURORA™" not in logged_in(world.owner_b).get(glossary).content.decode()
