"""Store policy tool: the merchant's shipping, returns and payment pages, in the shopper's
language when the merchant wrote one (else the shop's language, else any)."""

from __future__ import annotations

from support.agent.interface import AgentContext
from support.agent.models import PolicyKind, StorePolicy
from support.agent.search import Index
from support.agent.tools import Tool, ToolResult, register


def _search(policies: list[StorePolicy], query: str) -> list[tuple[StorePolicy, float]]:
    index: Index[StorePolicy] = Index()
    for policy in policies:
        index.add(policy, [(policy.title, 3), (policy.body, 1)])
    return index.search(query, limit=1)


def find_policy(context: AgentContext, query: str, threshold: float = 1.5) -> StorePolicy | None:
    """The shop's policy page whose words ``query`` uses clearly enough, if any."""
    found = _search(list(StorePolicy.objects.filter(shop=context.shop)), query)
    return found[0][0] if found and found[0][1] >= threshold else None


def store_policy(context: AgentContext, topic: str = "", query: str = "") -> ToolResult:
    policies = list(StorePolicy.objects.filter(shop=context.shop))
    kind = topic if topic in PolicyKind.values else None
    if kind is None and (query or topic):
        found = _search(policies, query or topic)
        kind = found[0][0].kind if found else None
    if kind is None:
        return ToolResult(False, "policy_not_found", {"topic": topic})
    by_language = {p.language: p for p in policies if p.kind == kind}
    for language in (context.language, context.shop.default_language, "en", *by_language):
        if language in by_language:
            chosen = by_language[language]
            return ToolResult(
                True,
                "ok",
                {
                    "kind": kind,
                    "title": chosen.title,
                    "body": chosen.body,
                    "language": chosen.language,
                },
            )
    return ToolResult(False, "policy_not_found", {"topic": kind})


register(
    Tool(
        "store_policy",
        "The shop's own policy page on shipping, returns/refunds or payment.",
        {
            "type": "object",
            "properties": {
                "topic": {"type": "string", "enum": ["shipping", "returns", "payment", "other"]},
                "query": {"type": "string", "description": "The shopper's question."},
            },
        },
        store_policy,
    )
)
