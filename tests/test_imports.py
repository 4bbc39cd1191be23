"""The stage order, kept by a test over the imports: io → model → ledger → package → render, checks beside.

Every ``import`` of ``budgetgen`` code, at module level or inside a function, is an edge. A module may
import its own layer and the layers its layer is allowed to read; anything else is a back-edge. Two
modules importing each other, directly or round a longer loop, are a circle. ``KNOWN_BACK_EDGES`` and
``KNOWN_CIRCLES`` list what is not yet fixed: a new one fails, and so does a listed one that is gone (so
the lists only shrink).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "budgetgen"

# The layer of a module: the longest matching prefix wins.
LAYERS = {
    "budgetgen": "base",
    "budgetgen.diagnostics": "base",
    "budgetgen.money": "base",
    "budgetgen.files": "base",
    "budgetgen.fonts": "base",
    "budgetgen.excel": "base",
    "budgetgen.terminal": "base",
    "budgetgen.interrupt": "base",
    "budgetgen.progress": "base",
    "budgetgen.cli_words": "base",
    "budgetgen.workers": "base",
    "budgetgen.catalogs": "base",
    "budgetgen.model.types": "base",  # plain value types (codes, kinds) that catalogs and every stage share
    "budgetgen.model": "model",  # the input's schema; io produces it, so io reads it
    "budgetgen.io": "io",
    "budgetgen.profiles": "profiles",  # a profile's settings, read by the ledger's derivations
    "budgetgen.ledger": "ledger",
    "budgetgen.package": "package",
    "budgetgen.checks": "checks",
    "budgetgen.render": "render",
    "budgetgen.run": "top",
    "budgetgen.profile_check": "top",
    "budgetgen.pipeline": "top",
    "budgetgen.cli": "top",
    "budgetgen.__main__": "top",
    "budgetgen.serve": "top",
    "budgetgen.batch": "top",
    "budgetgen.batch_merge": "top",
    "budgetgen.diff": "top",
    "budgetgen.summary": "top",
    "budgetgen.newyear": "top",
    "budgetgen.schema": "top",
}

_STAGES = ("base", "model", "io", "profiles", "ledger", "package")
READS = {
    **{stage: set(_STAGES[: i + 1]) for i, stage in enumerate(_STAGES)},
    "checks": {*_STAGES, "checks"},  # beside the package: reads io/model/ledger/package, never a renderer
    "render": {*_STAGES, "render"},  # walks the document; never runs the checks
    "top": {*_STAGES, "checks", "render", "top"},
}

KNOWN_BACK_EDGES: set[tuple[str, str]] = set()
KNOWN_CIRCLES: set[frozenset[str]] = set()


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def import_edges(root: Path = ROOT) -> dict[str, set[str]]:
    """Each module → the budgetgen modules it imports (``from pkg import sub`` counts as ``pkg.sub``)."""
    known = modules(root)
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] == "budgetgen")
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != "budgetgen":
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in known else target)
        edges[name] = {target for target in found if target != name and target in known}
    return edges


def layer(name: str) -> str:
    best = max((prefix for prefix in LAYERS if name == prefix or name.startswith(prefix + ".")), key=len)
    return LAYERS[best]


def back_edges(root: Path = ROOT) -> set[tuple[str, str]]:
    return {
        (source, target)
        for source, targets in import_edges(root).items()
        for target in targets
        if layer(target) not in READS[layer(source)]
    }


def circles(root: Path = ROOT) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    edges = import_edges(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.add(frozenset(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    assert all(layer(name) in READS for name in modules())


def test_no_new_back_edge() -> None:
    found = back_edges()
    assert sorted(found - KNOWN_BACK_EDGES) == [], "an import against the stage order"
    assert sorted(KNOWN_BACK_EDGES - found) == [], "fixed: remove it from KNOWN_BACK_EDGES"


def test_no_new_import_circle() -> None:
    found = circles()
    assert sorted(map(sorted, found - KNOWN_CIRCLES)) == [], "an import circle"
    assert sorted(map(sorted, KNOWN_CIRCLES - found)) == [], "fixed: remove it from KNOWN_CIRCLES"


def test_the_check_sees_a_back_edge_and_a_circle(tmp_path: Path) -> None:
    """The test can fail: a ledger module importing a renderer (inside a function) is a back-edge and,
    with the renderer importing it back, a circle; a package importing its own sibling is neither.
    """
    root = tmp_path / "budgetgen"
    for folder in ("ledger", "render", "package"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "ledger" / "build.py").write_text("def f():\n    from budgetgen.render import xlsx\n")
    (root / "render" / "xlsx.py").write_text("from ..ledger.build import f\n")
    (root / "package" / "text.py").write_text("from budgetgen.package.model import X\n")
    (root / "package" / "model.py").write_text("X = 1\n")
    assert back_edges(root) == {("budgetgen.ledger.build", "budgetgen.render.xlsx")}
    assert circles(root) == {frozenset({"budgetgen.ledger.build", "budgetgen.render.xlsx"})}


def test_the_rules_read_the_document_not_the_text_stage() -> None:
    """No rule imports the text stage or reads the old ``sections`` of the context: they read ``document``."""
    offenders = []
    for path in sorted((ROOT / "checks").glob("*.py")):
        if path.name == "context.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "sections":
                offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "budgetgen.package.text":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
