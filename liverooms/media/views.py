"""The relay's signed webhooks. A bad signature gets 400 and changes nothing; a retried
event is acknowledged without being applied twice."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from liverooms.media.services import relay_event_handle
from liverooms.relay.events import SIGNATURE_HEADER
from liverooms.relay.tokens import TokenError, verify_webhook

logger = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


@csrf_exempt
@require_POST
def relay_events(request: HttpRequest) -> HttpResponse:
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "too_large"}, status=413)
    try:
        verify_webhook(settings.RELAY_SECRET, body, request.headers.get(SIGNATURE_HEADER, ""))
    except TokenError as refused:
        logger.warning("relay webhook rejected: %s", refused.code)
        return JsonResponse({"error": refused.code, "message": str(refused)}, status=400)
    try:
        event = json.loads(body)
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise ValueError("an event is an object with an id")
        applied = relay_event_handle(event)
    except (ValueError, KeyError, TypeError) as malformed:
        return JsonResponse({"error": "bad_event", "message": str(malformed)}, status=400)
    return JsonResponse({"ok": True, "applied": applied})
