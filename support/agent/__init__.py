"""The AI customer-service agent: providers (builtin, OpenAI-compatible), tools, handoff."""
