"""The plugin author's guide and the hooks stay in step (as datasette's test_docs does).

Adding a hook without documenting it, testing it or describing its parameters fails here,
and so does a built-in check a delegate could not act on.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import pytest

from meetcheck import hookspecs
from meetcheck.plugins import BUILTIN_PLUGINS, Plugins

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"
TESTS = Path(__file__).resolve().parent

HOOKSPECS = {
    name: fn
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("meetcheck_")
}
HEADING = re.compile(r"^#{2,4} (meetcheck_\w+)\((.*)\)\s*$", re.MULTILINE)


def hook_args(fn: object) -> list[str]:
    return list(inspect.signature(fn).parameters)  # type: ignore[arg-type]


def documented() -> dict[str, list[str]]:
    """Hook name -> argument names, from the guide's ``### meetcheck_x(a, b)`` headings."""
    return {
        m[1]: [a.strip() for a in m[2].split(",") if a.strip()]
        for m in HEADING.finditer(GUIDE.read_text(encoding="utf-8"))
    }


def test_hookspecs_found() -> None:
    """Guards the tests below against passing vacuously."""
    assert {"meetcheck_register_checks", "meetcheck_run_finished"} <= set(HOOKSPECS)


@pytest.mark.parametrize("name", sorted(HOOKSPECS))
def test_every_hook_has_a_section_with_its_signature(name: str) -> None:
    sections = documented()
    assert name in sections, f"docs/plugins.md has no '### {name}(...)' section"
    assert sections[name] == hook_args(HOOKSPECS[name])


def test_guide_documents_no_hook_that_does_not_exist() -> None:
    assert set(documented()) <= set(HOOKSPECS)


@pytest.mark.parametrize("name", sorted(HOOKSPECS))
def test_every_hook_is_used_in_a_test(name: str) -> None:
    """A hook name in a test file outside this one means some test exercises it."""
    files = [p for p in TESTS.rglob("test_*.py") if p.name != Path(__file__).name]
    assert any(name in p.read_text(encoding="utf-8") for p in files), f"no test uses {name}"


@pytest.mark.parametrize("name", sorted(HOOKSPECS))
def test_every_hookspec_documents_each_parameter(name: str) -> None:
    doc = inspect.getdoc(HOOKSPECS[name]) or ""
    assert doc.strip(), f"{name} has no docstring"
    for arg in hook_args(HOOKSPECS[name]):
        assert f":param {arg}:" in doc, f"{name}: no ':param {arg}:' in its docstring"


def test_guide_python_examples_compile() -> None:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= len(HOOKSPECS)
    for i, block in enumerate(blocks):
        compile(block, f"docs/plugins.md python block {i + 1}", "exec")


def test_guide_first_example_is_a_working_plugin(tmp_path: Path) -> None:
    """The one-file plugin the guide opens with really registers its check."""
    block = re.search(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    (tmp_path / "hello.py").write_text(block[1])
    try:
        plugins = Plugins(plugins_dirs=[tmp_path], use_default_dir=False, entry_points=False)
        assert plugins.errors == []
        assert "demo.hello" in plugins.checks()
        assert plugins.info["hello"].checks == ["demo.hello"]
    finally:
        sys.modules.pop("meetcheck_plugins.hello", None)


def builtin_checks() -> list[type]:
    plugins = Plugins(builtins=BUILTIN_PLUGINS, entry_points=False, use_default_dir=False)
    checks = plugins.checks()
    assert plugins.errors == [], plugins.errors
    assert checks, "no built-in checks registered"
    return list(checks.values())


@pytest.mark.parametrize("check", builtin_checks(), ids=lambda c: c.id)
def test_built_in_checks_describe_themselves(check: type) -> None:
    for attr in ("id", "title", "category", "remediation"):
        value = getattr(check, attr)
        assert isinstance(value, str) and value.strip(), f"{check.__name__}.{attr} is empty"
