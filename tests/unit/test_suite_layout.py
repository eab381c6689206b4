"""The suite's own layout: no test module imports another (shared helpers live in
tests/support or a conftest), so running, moving or deleting one test file never
changes another."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported(source: str, module: str) -> set[str]:
    """Every module name an import in `source` (the text of `module`) may load: for
    `from a.b import c` both `a.b` and `a.b.c`; relative imports resolved."""
    package = module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, *([node.module] if node.module else [])])
            names.add(stem)
            names.update(f"{stem}.{alias.name}" for alias in node.names)
    return names


def is_test_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "tests" and parts[-1].startswith("test_")


def test_modules_importing_test_modules_are_found_in_every_spelling():
    module = "tests.integration.ticketing.test_checkin_api"
    for source in ("from tests.integration.ticketing.test_onsite_concurrency import race",
                   "import tests.integration.ticketing.test_onsite_concurrency",
                   "from .test_onsite_concurrency import race",
                   "from . import test_onsite_concurrency",
                   "from ..ticketing import test_onsite_concurrency",
                   "def f():\n    from tests.unit.test_asyncapi import x"):
        assert any(is_test_module(n) for n in imported(source, module)), source
    for source in ("from tests.support.concurrency import race", "import pytest",
                   "from . import conftest", "from tests.support import api"):
        assert not any(is_test_module(n) for n in imported(source, module)), source


def test_no_test_module_imports_another_test_module():
    offenders = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in TESTS.rglob("test_*.py")
        for name in imported(path.read_text(), module_of(path))
        if is_test_module(name) and name != module_of(path))
    assert offenders == [], "move shared helpers to tests/support:\n" + "\n".join(offenders)


def test_helper_modules_live_in_tests_support():
    strays = sorted(str(p.relative_to(ROOT)) for p in TESTS.rglob("*.py")
                    if not p.name.startswith("test_")
                    and p.name not in ("conftest.py", "__init__.py")
                    and TESTS / "support" not in p.parents)
    assert strays == [], f"helper modules among the tests (move to tests/support): {strays}"
