"""The package's layers stay apart: no import cycle among meetcheck's modules, and the
checks, the WebRTC clients and the media code never reach into the server.

Read from the source with :mod:`ast`, so an import inside a function counts as much as one
at the top (it runs too, only later). Imports under ``if TYPE_CHECKING:`` are left out of
the cycle search, as they never run; the layer rule counts them too, since a check that
names a server type for its annotations has the layering backwards all the same.
``from meetcheck import X`` is a dependency on the package ``meetcheck`` (its
``__init__``), and on ``meetcheck.X`` when that is a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import meetcheck

# Layers that must not depend on the server: the server uses them, not the other way round.
BELOW_THE_SERVER = ("meetcheck.checks", "meetcheck.webrtc", "meetcheck.media")
SERVER = "meetcheck.server"


def _modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, type_checking: bool) -> Iterator[str]:
    """Every module name imported anywhere in the file (with ``type_checking``, also those
    under ``if TYPE_CHECKING:``); relative imports resolved against ``name``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> Iterator[str]:
        if isinstance(node, ast.If) and _is_type_checking(node.test) and not type_checking:
            for child in node.orelse:
                yield from visit(child)
            return
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))


def import_graph(root: Path, package: str, type_checking: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports."""
    modules = _modules(root, package)
    return {
        name: {m for m in _imports(name, path, type_checking) if m in modules and m != name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} imports {dep}"
        for module, deps in graph.items()
        if any(_under(module, layer) for layer in BELOW_THE_SERVER)
        for dep in deps
        if _under(dep, SERVER)
    )


ROOT = Path(meetcheck.__file__).resolve().parent


# -- the package itself ----------------------------------------------------------------
def test_the_graph_is_read():
    """Guards the tests below against passing on an empty or half-read graph."""
    graph = import_graph(ROOT, "meetcheck")
    assert {"meetcheck", "meetcheck.server.app", "meetcheck.webrtc.client"} <= set(graph)
    assert "meetcheck.webrtc.loopback" in graph["meetcheck.webrtc.client"]
    assert "meetcheck.server.stun" in graph["meetcheck.server.app"]  # inside a function


def test_no_import_cycle():
    assert cycles(import_graph(ROOT, "meetcheck")) == []


def test_checks_webrtc_and_media_do_not_import_the_server():
    assert layer_violations(import_graph(ROOT, "meetcheck", type_checking=True)) == []


# -- the detector, on a made-up package ----------------------------------------------------
def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    root = _package(
        tmp_path,
        {
            "a.py": "def f():\n    from pkg import b\n",
            "b.py": "from . import c\n",
            "c.py": "import pkg.a\n",
            "d.py": "import pkg.a\n",
        },
    )
    assert cycles(import_graph(root, "pkg")) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_the_package_init_counts_and_type_checking_imports_do_not(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "from pkg.core import thing\n",
            "core.py": "from pkg import version\n",
            "typed.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.user import User\n"
                "else:\n    import json\n"
            ),
            "user.py": "from pkg.typed import x\n",
        },
    )
    assert cycles(import_graph(root, "pkg")) == [["pkg", "pkg.core"]]
    assert "pkg.user" in import_graph(root, "pkg", type_checking=True)["pkg.typed"]


@pytest.mark.parametrize("layer", ["checks/network/x.py", "webrtc/y.py", "media/z.py"])
def test_a_lower_layer_importing_the_server_is_refused(tmp_path, layer):
    root = _package(
        tmp_path,
        {
            "server/__init__.py": "",
            "server/app.py": "",
            layer: "def f():\n    from meetcheck.server.app import thing\n",
        },
    )
    graph = import_graph(root, "meetcheck")
    module = "meetcheck." + layer.removesuffix(".py").replace("/", ".")
    assert layer_violations(graph) == [f"{module} imports meetcheck.server.app"]
