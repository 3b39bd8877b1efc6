"""The package's layers are imported only downward, and no import forms a circle.

The diagram enforced here is the one in ARCHITECTURE.md. A module may import its own layer and any layer
below it, at module level and inside functions alike. The one exception is a rule, not a list: a result's
``plot()`` may import presentation inside the method (ARCHITECTURE.md), provided the figure it reaches imports
nothing between the two layers (else the lower layer would depend on a higher one through the figure).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "msevidence"
ARCHITECTURE = Path(__file__).resolve().parents[1] / "ARCHITECTURE.md"

# lowest first; one set per layer (the names are msevidence's subpackages or modules)
LAYERS: list[set[str]] = [
    {"paths", "errors", "safeio", "limits", "formatting", "startup"},
    {"data"},
    {"evidence"},
    {"models"},
    {"synthetic", "reconstruct"},
    {"designs"},
    {"judgement"},
    {"presentation"},
    {"answers"},
    {"reports"},
    {"cli", "console"},
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


def imports(path: Path, me: str | None = None) -> list[tuple[int, str, str | None]]:
    """(line, absolute module, enclosing function or None) of every msevidence import in the module `me`:
    those run when it is imported (function None) and those inside functions, run when the function is called."""
    tree = ast.parse(path.read_text(), str(path))
    me = me or module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out = []

    def visit(nodes, function):
        for node in nodes:
            if isinstance(node, ast.Import):
                out.extend((node.lineno, a.name, function) for a in node.names
                           if a.name.split(".")[0] == "msevidence")
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
                                else mod, function))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):  # a nested def counts as its outer one
                visit(node.body, function or node.name)
            else:  # if/try/with/for/match/class bodies: the same function (or module level)
                visit([c for c in ast.iter_child_nodes(node)
                       if isinstance(c, ast.stmt | ast.excepthandler | ast.match_case)], function)

    visit(tree.body, None)
    return out


def module_level_imports(path: Path, me: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every msevidence import executed when the module `me` is imported."""
    return [(line, mod) for line, mod, function in imports(path, me) if function is None]


def lazy_plot_import(mod: str, function: str | None) -> bool:
    """The one allowed upward import (ARCHITECTURE.md): a result's ``plot()`` importing presentation inside it."""
    return function == "plot" and layer_of(mod) == RANK["presentation"]


MODULES = sorted(SRC.rglob("*.py"))
ALL = {module_name(p): imports(p) for p in MODULES}
GRAPH = {m: [(line, mod) for line, mod, function in deps if function is None] for m, deps in ALL.items()}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_only_go_down(path):
    me = module_name(path)
    mine = layer_of(me)
    up = [f"line {line}{f' in {function}()' if function else ''}: {mod} "
          f"(layer {LAYERS[layer_of(mod)] if layer_of(mod) < TOP else 'facade'})"
          for line, mod, function in ALL[me] if layer_of(mod) > mine and not lazy_plot_import(mod, function)]
    assert not up, f"{me} (layer {sorted(LAYERS[mine]) if mine < TOP else 'facade'}) imports upward: {up}"


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """The first import circle in `graph` (module -> modules it imports), as a path, or None."""
    def parents(mod: str) -> list[str]:  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = mod.split(".")
        return [".".join(parts[:i]) for i in range(2, len(parts))]

    edges = {m: sorted({x for t in deps for x in (*parents(t), t)
                        if x in graph and x != m and not m.startswith(f"{x}.")})  # a parent package runs first anyway
             for m, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in edges[m]:
            if state.get(n) == 1:
                return [*stack[stack.index(n):], n]
            if n not in state and (found := dfs(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := dfs(m)):
            return found
    return None


def test_no_module_level_import_cycle():
    cycle = find_cycle({m: [mod for _, mod in deps] for m, deps in GRAPH.items()})
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def reached(mod: str) -> set[str]:
    """Every msevidence module run, at module level, when `mod` is imported (parent packages included)."""
    seen: set[str] = set()
    todo = [mod]
    while todo:
        m = todo.pop()
        parts = m.split(".")
        for x in [".".join(parts[:i]) for i in range(2, len(parts) + 1)]:
            if x in GRAPH and x not in seen:
                seen.add(x)
                todo += [t for _, t in GRAPH[x]]
    return seen


LAZY_PLOTS = [(m, line, mod) for m, deps in ALL.items() for line, mod, function in deps
              if lazy_plot_import(mod, function) and layer_of(mod) > layer_of(m)]


@pytest.mark.parametrize(("me", "line", "figure"), LAZY_PLOTS, ids=[f"{m}:{line}" for m, line, _ in LAZY_PLOTS])
def test_a_lazy_plot_import_does_not_lead_back_through_a_layer_in_between(me, line, figure):
    """plot() may reach presentation, and the figure may read the caller's own layer; but nothing the figure
    imports may sit between the two (evidence -> presentation -> judgement -> evidence would make evidence
    depend on judgement)."""
    between = sorted(m for m in reached(figure) if m != "msevidence" and layer_of(me) < layer_of(m)
                     and layer_of(m) != RANK["presentation"])
    assert not between, f"{me} line {line} imports {figure}, which imports {between}: an import circle"


def test_every_layer_exists_and_the_diagram_matches():
    text = ARCHITECTURE.read_text()
    for layer in LAYERS:
        for name in layer:
            assert (SRC / name).is_dir() or (SRC / f"{name}.py").is_file(), f"layer {name} has no module"
            assert f"`{name}`" in text, f"ARCHITECTURE.md does not show the layer {name}"
    present = {p.name.removesuffix(".py") for p in SRC.iterdir() if p.name != "__init__.py"
               and (p.suffix == ".py" or (p / "__init__.py").is_file())}
    assert present <= set(RANK), f"modules outside every layer: {sorted(present - set(RANK))}"


def test_the_checker_reads_every_import_and_allows_only_a_plot_into_presentation(tmp_path):
    """The checker itself, on a module it has never seen: relative, absolute, try-block, class-body and
    function-level imports are all read; only the one inside plot() into presentation is allowed."""
    f = tmp_path / "fake.py"
    f.write_text("from ..cli import app\ntry:\n    import msevidence.reports\nexcept ImportError:\n    pass\n"
                 "class R:\n    from msevidence.judgement import verdict\n"
                 "    def plot(self):\n        from msevidence.presentation.figures import style\n"
                 "def f():\n    if True:\n        from msevidence.answers import main_report\n"
                 "    def plot():\n        from msevidence.presentation.figures import style\n")
    got = imports(f, "msevidence.data.fake")
    assert [(m, fn) for _, m, fn in got] == [
        ("msevidence.cli.app", None), ("msevidence.reports", None), ("msevidence.judgement.verdict", None),
        ("msevidence.presentation.figures.style", "plot"), ("msevidence.answers.main_report", "f"),
        ("msevidence.presentation.figures.style", "f")]
    assert [m for _, m in module_level_imports(f, "msevidence.data.fake")] == [
        "msevidence.cli.app", "msevidence.reports", "msevidence.judgement.verdict"]
    upward = [m for _, m, fn in got if layer_of(m) > layer_of("msevidence.data.fake") and not lazy_plot_import(m, fn)]
    assert len(upward) == 5  # all but the plot() one; a plot() nested in another function is that function's


def test_the_circle_checks_find_a_circle():
    assert find_cycle({"msevidence.a": ["msevidence.b"], "msevidence.b": ["msevidence.a"]}) == [
        "msevidence.a", "msevidence.b", "msevidence.a"]
    assert find_cycle({"msevidence.a": ["msevidence.b"], "msevidence.b": []}) is None
    # the circle of ARCHITECTURE.md's example: a figure that imports judgement, reached from evidence's plot()
    figure = next(m for m in GRAPH if m.startswith("msevidence.presentation.figures."))
    GRAPH[figure].append((0, "msevidence.judgement.verdict"))
    try:
        with pytest.raises(AssertionError, match="judgement"):
            test_a_lazy_plot_import_does_not_lead_back_through_a_layer_in_between("msevidence.evidence.store", 1,
                                                                                  figure)
    finally:
        GRAPH[figure].pop()


MAX_MODULE_LINES = 400  # issue 18: each module one job, none over 400 lines


def long_modules(root: Path) -> dict[str, int]:
    """Path under root -> line count of every Python module there over MAX_MODULE_LINES."""
    return {p.relative_to(root).as_posix(): n for p in sorted(root.rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}


def test_no_module_is_over_400_lines():
    long = long_modules(SRC)
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by job): {long}"


def test_the_length_check_counts_lines(tmp_path):
    (tmp_path / "short.py").write_text("x = 1\n" * MAX_MODULE_LINES, encoding="utf-8")
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert long_modules(tmp_path) == {"long.py": MAX_MODULE_LINES + 1}
