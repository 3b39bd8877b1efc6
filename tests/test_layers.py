"""The package's layers are imported only downward, and no module-level import forms a cycle.

The diagram enforced here is the one in ARCHITECTURE.md. A module may import its own layer and any layer
below it at module level; imports inside functions (e.g. a result's ``plot()`` calling presentation) are lazy
and not checked. There is no list of exceptions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "msevidence"
ARCHITECTURE = Path(__file__).resolve().parents[1] / "ARCHITECTURE.md"

# lowest first; one set per layer (the names are msevidence's subpackages or modules)
LAYERS: list[set[str]] = [
    {"paths", "errors", "safeio", "formatting"},
    {"data"},
    {"evidence"},
    {"models"},
    {"synthetic", "reconstruct"},
    {"designs"},
    {"judgement"},
    {"presentation"},
    {"answers"},
    {"reports"},
    {"cli"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
TOP = len(LAYERS)  # msevidence/__init__.py: the public facade, above every layer


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if parts == ["msevidence"]:
        return TOP
    if parts[1] not in RANK:
        raise AssertionError(f"{module}: not in any layer of tests/test_layers.py (add it to LAYERS and ARCHITECTURE.md)")
    return RANK[parts[1]]


def module_level_imports(path: Path, me: str | None = None, lazy: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module) of every msevidence import executed when the module `me` is imported (`lazy`:
    also the imports inside functions and methods)."""
    tree = ast.parse(path.read_text(), str(path))
    me = me or module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out = []

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.Import):
                out.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "msevidence")
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    mod = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    mod = node.module or ""
                if mod.split(".")[0] != "msevidence":
                    continue
                # `from msevidence.x import y` may import the submodule msevidence.x.y
                for a in node.names:
                    sub = SRC.parent / Path(*f"{mod}.{a.name}".split("."))
                    out.append((node.lineno, f"{mod}.{a.name}" if sub.with_suffix(".py").is_file() or sub.is_dir()
                                else mod))
            elif lazy and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(node.body)
            elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While) and (
                    lazy or isinstance(node, ast.If | ast.Try | ast.With)):  # still module level
                visit(node.body)
                visit(getattr(node, "orelse", []))
                visit(getattr(node, "finalbody", []))
                for h in getattr(node, "handlers", []):
                    visit(h.body)

    visit(tree.body)
    return out


MODULES = sorted(SRC.rglob("*.py"))
GRAPH = {module_name(p): module_level_imports(p) for p in MODULES}
LAZY_GRAPH = {module_name(p): module_level_imports(p, lazy=True) for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_only_go_down(path):
    me = module_name(path)
    mine = layer_of(me)
    up = [f"line {line}: {mod} (layer {LAYERS[layer_of(mod)] if layer_of(mod) < TOP else 'facade'})"
          for line, mod in GRAPH[me] if layer_of(mod) > mine]
    assert not up, f"{me} (layer {sorted(LAYERS[mine]) if mine < TOP else 'facade'}) imports upward: {up}"


def test_no_module_level_import_cycle():
    assert_no_cycle(GRAPH)


def test_no_import_cycle_even_through_imports_inside_functions():
    """A result's plot() may import presentation lazily, but no chain of imports, lazy or not, leads back."""
    assert_no_cycle(LAZY_GRAPH)


def assert_no_cycle(graph: dict[str, list[tuple[int, str]]]) -> None:
    def parents(mod: str) -> list[str]:  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = mod.split(".")
        return [".".join(parts[:i]) for i in range(2, len(parts))]

    edges = {m: sorted({x for _, t in deps for x in (*parents(t), t)
                        if x in graph and x != m and not m.startswith(f"{x}.")})  # a parent package runs first anyway
             for m, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m: str):
        state[m] = 1
        stack.append(m)
        for n in edges[m]:
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(n):], n]))
            if n not in state:
                dfs(n)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            dfs(m)


def test_every_layer_exists_and_the_diagram_matches():
    text = ARCHITECTURE.read_text()
    for layer in LAYERS:
        for name in layer:
            assert (SRC / name).is_dir() or (SRC / f"{name}.py").is_file(), f"layer {name} has no module"
            assert f"`{name}`" in text, f"ARCHITECTURE.md does not show the layer {name}"
    present = {p.name.removesuffix(".py") for p in SRC.iterdir() if p.name != "__init__.py"
               and (p.suffix == ".py" or (p / "__init__.py").is_file())}
    assert present <= set(RANK), f"modules outside every layer: {sorted(present - set(RANK))}"


def test_the_checker_sees_upward_imports_but_not_lazy_ones(tmp_path):
    """The checker itself, on a module it has never seen: relative, absolute and try-block imports are read;
    an import inside a function is lazy and ignored."""
    f = tmp_path / "fake.py"
    f.write_text("from ..cli import app\ntry:\n    import msevidence.reports\nexcept ImportError:\n    pass\n"
                 "def f():\n    from msevidence.answers import main_report\n")
    got = module_level_imports(f, "msevidence.data.fake")
    assert [m for _, m in got] == ["msevidence.cli.app", "msevidence.reports"]
    assert all(layer_of(m) > layer_of("msevidence.data.fake") for _, m in got)
