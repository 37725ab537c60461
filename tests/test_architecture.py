"""The library's shape (issue 15): layers, private names, function and module sizes.

The layers are enforced outright. Sizes and private names are a ratchet: ``KNOWN_*`` lists the
places that still exceed a limit, each at its size when the list was written. A new place over
a limit fails, a listed place that grows fails, and a listed place that has come under the
limit fails too until it is removed from the list, so the list can only shrink.
See CONTRIBUTING.md, "Where code goes".
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from wiretap._exports import is_internal

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "wiretap"
BOOK = ROOT / "book"

MAX_FUNCTION = 80  # code lines (docstring, comments and blank lines not counted)
MAX_MODULE = 600  # lines of the file

# Each top-level unit of the package belongs to one layer; a unit may import the units of the
# layers listed for its own (and units of its own layer where marked), nothing else.
LAYER = {
    **dict.fromkeys(["_validation", "_linalg", "_cache", "_tree", "_exports", "units"], "kernel"),
    **dict.fromkeys(
        "channels rates convex results sim lemmas wmmse sca mirror games fisher admm sdr".split(),
        "foundations",
    ),
    **dict.fromkeys(["plotting", "widgets", "repro"], "presentation"),
    **dict.fromkeys(["aauc", "isac", "mimo_ic", "smallcell"], "paper"),
    **dict.fromkeys(["teaching", "assignments", "grading"], "teaching"),
}
MAY_IMPORT = {
    "kernel": {"kernel"},
    "foundations": {"kernel", "foundations"},
    "presentation": {"kernel", "foundations"},
    "paper": {"kernel", "foundations"},  # a paper package never imports another one
    "teaching": set(),  # course tooling stands alone (its own units only)
}
SHIMS = {"assignments": "teaching", "grading": "teaching"}  # compatibility re-exports


def layer_of(unit: str) -> str | None:
    """The unit's layer; a private top-level module not listed is a Foundations internal
    (e.g. ``_trust_region``, split out of ``lemmas``), so paper packages may use it."""
    if unit in LAYER:
        return LAYER[unit]
    return "foundations" if unit.startswith("_") else None


# The places still over a limit (the ratchet); sizes as measured when listed.
KNOWN_LONG_FUNCTIONS: dict[str, int] = {}
KNOWN_LONG_MODULES: dict[str, int] = {}
KNOWN_PRIVATE_CROSSINGS: set[str] = set()


def _modules() -> list[Path]:
    return sorted(LIB.rglob("*.py"))


def _unit(path: Path) -> str:
    return path.relative_to(LIB).with_suffix("").parts[0]


def _package_parts(path: Path) -> list[str]:
    return list(path.relative_to(LIB).parts[:-1])


def _imported_units(path: Path) -> set[str]:
    """Top-level units of wiretap imported by the module at ``path``."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("wiretap.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module == "wiretap":
                    out |= {a.name for a in node.names}
                elif node.module and node.module.startswith("wiretap."):
                    out.add(node.module.split(".")[1])
                continue
            pkg = _package_parts(path)
            base = pkg[: len(pkg) - (node.level - 1)]
            target = base + (node.module.split(".") if node.module else [])
            out |= {target[0]} if target else {a.name for a in node.names}
    return out


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def _code_lines(lines: list[str], doc: set[int], node: ast.AST) -> int:
    return sum(
        1
        for i in range(node.lineno, node.end_lineno + 1)
        if i not in doc and lines[i - 1].strip() and not lines[i - 1].strip().startswith("#")
    )


def function_sizes() -> dict[str, int]:
    """``"module.py:qualname" -> code lines`` for every function of the package."""
    sizes = {}
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        lines, tree = text.splitlines(), ast.parse(text)
        doc = _docstring_lines(tree)
        rel = path.relative_to(LIB).as_posix()
        stack = [(tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        sizes[f"{rel}:{name}"] = _code_lines(lines, doc, child)
                    stack.append((child, name + "."))
    return sizes


def module_sizes() -> dict[str, int]:
    return {
        p.relative_to(LIB).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules()
    }


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_crossings() -> set[str]:
    """``from x import _name`` and ``module._name`` uses across modules, in the package."""
    found = set()
    for path in _modules():
        rel = path.relative_to(LIB).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                for a in node.names:
                    if _is_private(a.name) and not _is_private_module(path, node, a.name):
                        found.add(f"{rel}: import {a.name}")
            elif (
                isinstance(node, ast.Attribute)
                and _is_private(node.attr)
                and isinstance(node.value, ast.Name)
                and node.value.id not in {"self", "cls"}
            ):
                found.add(f"{rel}: {node.value.id}.{node.attr}")
    return found


def _is_private_module(path: Path, node: ast.ImportFrom, name: str) -> bool:
    """``from . import _solve`` imports an internal module of the same package: allowed."""
    if node.module is not None or node.level == 0:
        return False
    pkg = path.parent
    for _ in range(node.level - 1):
        pkg = pkg.parent
    return (pkg / f"{name}.py").exists() or (pkg / name / "__init__.py").exists()


# --------------------------------------------------------------------------------- layers
def test_every_unit_has_a_layer():
    units = {_unit(p) for p in _modules()} - {"__init__"}
    missing = {u for u in units if layer_of(u) is None}
    assert not missing, f"put these in LAYER (and CONTRIBUTING.md): {missing}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(LIB).as_posix())
def test_imports_follow_the_layers(path):
    unit = _unit(path)
    if unit == "__init__":
        return
    layer = layer_of(unit)
    bad = []
    for target in _imported_units(path) - {unit}:
        if SHIMS.get(unit) == target:
            continue
        if layer_of(target) is None:
            bad.append(f"{target} (unknown unit)")
        elif layer_of(target) not in MAY_IMPORT[layer]:
            bad.append(f"{target} ({layer_of(target)})")
    assert not bad, f"{unit} ({layer}) may not import {bad}"


def test_foundations_import_graph_is_acyclic():
    graph = {}
    for path in _modules():
        unit = _unit(path)
        if layer_of(unit) in {"kernel", "foundations"}:
            graph.setdefault(unit, set()).update(_imported_units(path) - {unit})
    state: dict[str, int] = {}

    def visit(u, trail):
        if state.get(u) == 1:
            raise AssertionError(f"import cycle: {' -> '.join([*trail, u])}")
        if state.get(u) == 2:
            return
        state[u] = 1
        for v in sorted(graph.get(u, ())):
            visit(v, [*trail, u])
        state[u] = 2

    for u in sorted(graph):
        visit(u, [])


# ------------------------------------------------------------------------ the ratchets
def _ratchet(measured: dict[str, int], known: dict[str, int], limit: int, what: str):
    over = {k: v for k, v in measured.items() if v > limit}
    new = {k: v for k, v in over.items() if k not in known}
    grown = {k: (known[k], v) for k, v in over.items() if k in known and v > known[k]}
    fixed = sorted(k for k in known if measured.get(k, 0) <= limit)
    assert not new, f"{what} over {limit}: {new}"
    assert not grown, f"{what} grew (listed size, now): {grown}"
    assert not fixed, f"now within {limit}, remove from the KNOWN list: {fixed}"


def test_no_function_over_the_limit():
    _ratchet(function_sizes(), KNOWN_LONG_FUNCTIONS, MAX_FUNCTION, "functions (code lines)")


def test_no_module_over_the_limit():
    _ratchet(module_sizes(), KNOWN_LONG_MODULES, MAX_MODULE, "modules (lines)")


def test_no_private_name_crosses_a_module():
    found = private_crossings()
    assert not found - KNOWN_PRIVATE_CROSSINGS, sorted(found - KNOWN_PRIVATE_CROSSINGS)
    stale = KNOWN_PRIVATE_CROSSINGS - found
    assert not stale, f"gone, remove from KNOWN_PRIVATE_CROSSINGS: {sorted(stale)}"


def test_chapters_use_no_private_names():
    pattern = re.compile(
        r"from wiretap[\w.]* import [^\n]*\b_[a-z]\w*"
        r"|\b(?:wiretap|[a-z_]+)\.(?:[a-z_]+\.)*_[a-z]\w*\("
    )
    hits = []
    for path in sorted(BOOK.rglob("*.md")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and "self._" not in line:
                hits.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not hits, hits


def _public_modules() -> list[str]:
    names = []
    for path in _modules():
        parts = path.relative_to(LIB).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(("wiretap", *parts))
        if not is_internal(name) and parts[-1:] != ("__main__",):
            names.append(name)
    return names


@pytest.mark.parametrize("module", _public_modules())
def test_public_names_have_a_public_home(module):
    """Every name a public module exports says it lives in a public module (``__module__`` is
    what ``help()``, reprs, pickle and the bad-input registry go by), via ``adopt``."""
    import importlib

    mod = importlib.import_module(module)
    homes = {n: getattr(getattr(mod, n), "__module__", None) for n in getattr(mod, "__all__", ())}
    hidden = {
        n: h
        for n, h in homes.items()
        if isinstance(h, str) and h.startswith("wiretap.") and is_internal(h)
    }
    assert not hidden, hidden


def test_adopt_rehomes_only_internal_names():
    from wiretap._exports import adopt

    def f():
        pass

    def g():
        pass

    f.__module__, g.__module__ = "wiretap.isac._ball", "wiretap.isac.robust"
    assert adopt({"__name__": "wiretap.x", "__all__": ["f", "g"], "f": f, "g": g}) == ("f",)
    assert (f.__module__, g.__module__) == ("wiretap.x", "wiretap.isac.robust")
    with pytest.raises(ValueError, match="does not define"):
        adopt({"__name__": "wiretap.x", "__all__": ["h"]})
    with pytest.raises(ValueError, match="__all__"):
        adopt({"__name__": "wiretap.x"})


def test_the_ratchet_measures_what_it_says():
    sizes = function_sizes()
    assert sizes["_cache.py:CompiledCache.get"] < MAX_FUNCTION
    assert module_sizes()["__init__.py"] > 10
    # a private import across modules would be caught: the detector sees a synthetic one
    tree = ast.parse("from .other import _hidden")
    node = tree.body[0]
    assert _is_private(node.names[0].name) and not _is_private_module(LIB / "x.py", node, "_hidden")
