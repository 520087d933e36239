"""Translation engines (builtin memory/glossary, LibreTranslate, OpenAI-compatible), offline
language detection, and the jobs that translate room chat and product text."""
