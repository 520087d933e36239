"""Settings modules: ``base`` (env-driven default), ``production`` and ``test``."""
