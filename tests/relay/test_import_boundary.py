"""The relay runs and ships on its own: no module under liverooms/relay imports Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import liverooms.relay

ROOT = Path(__file__).resolve().parents[2]


def relay_modules() -> list[str]:
    return sorted(
        f"liverooms.relay.{module.name}"
        for module in pkgutil.iter_modules(liverooms.relay.__path__)
    )


def test_no_relay_module_imports_django() -> None:
    modules = relay_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('django' in sys.modules, any(m.startswith('django.') for m in sys.modules))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert "liverooms.relay.relay" in modules and "liverooms.relay.aiortc_compat" in modules
    assert result.stdout.split() == ["False", "False"]
