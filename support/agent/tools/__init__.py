"""The agent's tools: plain synchronous functions over the ORM, each acting with the shopper's
own permissions and answering structured data (never prose) so every provider phrases the
reply itself.

Account tools need a signed-in shopper and only ever see that shopper's orders *in the shop
the conversation belongs to*; a number that exists but belongs to someone else is reported
exactly like a number that does not exist. Tools never raise for a shopper's mistake: they
return a :class:`ToolResult` with ``ok=False`` and a stable ``code``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from support.agent.interface import AgentContext


@dataclass
class ToolResult:
    ok: bool
    code: str  # "ok" or a stable reason: sign_in, no_orders, order_not_found, ...
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "code": self.code, **self.data}


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[..., ToolResult]
    needs_account: bool = False

    def schema(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry for this tool."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


TOOLS: dict[str, Tool] = {}


def register(tool: Tool) -> Tool:
    TOOLS[tool.name] = tool
    return tool


def run_tool(name: str, context: AgentContext, arguments: dict[str, Any]) -> ToolResult:
    """Run tool ``name`` for ``context``; unknown tools and bad arguments are results too."""
    tool = TOOLS.get(name)
    if tool is None:
        return ToolResult(False, "unknown_tool", {"tool": name})
    if tool.needs_account and context.shopper is None:
        return ToolResult(False, "sign_in")
    try:
        return tool.run(context, **arguments)
    except TypeError:
        return ToolResult(False, "bad_arguments", {"tool": name})


# The tool modules register themselves on import.
from support.agent.tools import catalog, orders, policies  # noqa: E402, F401
