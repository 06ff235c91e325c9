"""The layering rules that keep the program easy to change, checked on the source.

The floors (issue 20, point 1): ``app.domain`` at the bottom; ``app.sharing`` (the policy)
and ``app.export`` (a rendering library: view models in, PDF and CSV out) on it;
``app.store``; ``app.vault``; ``app.services``; the command line and the desktop program on
top. Nothing imports upward, and nothing skips past the services to the store or the
renderers: every PDF, CSV and JSON output is reached through a service. The app's own
Qt-free utilities (i18n, formatting, resources, errors, the key memory, the file helpers)
sit under every floor. :data:`ALLOWED` is the table; the README's layout section shows it
(:func:`allowed_table`, between the ``layers`` markers, checked here).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6")

#: The app's Qt-free utility modules: below every floor, importing only one another.
UTILITIES = ("app", "app.errors", "app.i18n", "app.formatting", "app.resources",
             "app.keymem", "app.fs")

#: Floor -> the floors it may import (besides itself and the utilities).
ALLOWED: dict[str, tuple[str, ...]] = {
    "utilities": (),
    "app.domain": (),
    "app.sharing": ("app.domain",),
    "app.export": ("app.domain",),
    "app.store": ("app.domain",),
    "app.vault": ("app.store", "app.domain"),
    "app.services": ("app.vault", "app.store", "app.sharing", "app.export", "app.domain"),
    "app.cli": ("app.services", "app.vault", "app.sharing", "app.domain"),
    "ui": ("app.cli", "app.services", "app.vault", "app.sharing", "app.domain"),
}

#: What each floor is, for the README's table.
PURPOSE = {
    "utilities": "i18n, formatting, resources, errors, key memory, files",
    "app.domain": "dataclasses and rules; the view models of the documents",
    "app.sharing": "the one policy: who may see what, where",
    "app.export": "renders a view model as a PDF or CSV; reads no vault, decides nothing",
    "app.store": "tables, migrations, the audit log",
    "app.vault": "key slots; opens, locks, verifies and backs up the vault",
    "app.services": "use cases: role check, policy, one transaction, audit; every output",
    "app.cli": "the casuskamer command line",
    "ui": "PySide6 screens and wizards (thin: they call services)",
}

#: Libraries that only the store, the vault and the services may touch (the database).
DATABASE_LIBRARIES = ("sqlalchemy", "sqlcipher3", "sqlite3", "alembic")
NO_DATABASE = ("app.domain", "app.sharing", "app.export", "app.cli", "ui")

#: Known arrows against the table, each with its reason and the issue that removes it. An
#: entry that no longer occurs fails too, so the list only shrinks.
EXCEPTIONS = {
    ("app.domain.triage", "app.sharing.policy"):
        "the triage wizard's step checks ask may_be_invited; they go to the one wizard "
        "protocol of issue 20, point 6",
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports, anywhere in it (inside functions and ``TYPE_CHECKING``
    blocks too), relative imports resolved; ``from pkg import name`` gives ``pkg.name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                yield (f"{module}.{alias.name}" if alias.name != "*" else module), node.lineno


def floor_of(module: str) -> str | None:
    """The floor a module of ours lives on (None: not ours, a library)."""
    top = module.split(".")[0]
    if top == "ui":
        return "ui"
    if top != "app":
        return None
    parts = module.split(".")
    if len(parts) == 1 or ".".join(parts[:2]) in UTILITIES:
        return "utilities"
    floor = ".".join(parts[:2])
    return floor if floor in ALLOWED else "utilities"


def violations(root: Path) -> list[str]:
    """Every import in ``root``'s ``app/`` and ``ui/`` against :data:`ALLOWED`."""
    found: list[str] = []
    for base in ("app", "ui"):
        for path in sorted((root / base).rglob("*.py")):
            source = module_name(path, root)
            source_floor = floor_of(source)
            assert source_floor is not None
            for target, line in imports_of(path, root):
                where = f"{path.relative_to(root)}:{line}: {source} imports {target}"
                library = target.split(".")[0]
                if source_floor in NO_DATABASE and library in DATABASE_LIBRARIES:
                    found.append(where + " (no database below the store or above the services)")
                target_floor = floor_of(target)
                if target_floor is None or target_floor in (source_floor, "utilities"):
                    continue
                if target_floor in ALLOWED[source_floor]:
                    continue
                found.append(where)
    return found


def _excepted(line: str) -> tuple[str, str] | None:
    for source, target in EXCEPTIONS:
        if f" {source} imports {target}" in line:
            return source, target
    return None


def test_no_import_against_the_floors() -> None:
    found = violations(ROOT)
    against = [v for v in found if _excepted(v) is None]
    assert not against, "imports against the floors (tests/test_architecture.py):\n" + \
        "\n".join(against)
    used = {_excepted(v) for v in found}
    stale = set(EXCEPTIONS) - used
    assert not stale, f"exceptions that no longer occur, remove them: {sorted(stale)}"


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checker_fails_on_a_wrong_import(tmp_path: Path) -> None:
    """A tiny fake tree: each wrong import is found (at the top, inside a function,
    relative, ``from app import``, through a library), the right ones are not."""
    for package in ("app", "app/domain", "app/export", "app/services", "app/store",
                    "app/cli", "ui"):
        _write(tmp_path, f"{package}/__init__.py", "")
    _write(tmp_path, "app/domain/rules.py", "from app.i18n import _\n")
    _write(tmp_path, "app/domain/bad_top.py", "from app.services import cases\n")
    _write(tmp_path, "app/domain/bad_inside.py",
           "def f():\n    import app.store.tables\n    return app.store.tables\n")
    _write(tmp_path, "app/export/bad_relative.py", "from ..services import handouts\n")
    _write(tmp_path, "app/export/bad_package.py", "from app import vault\n")
    _write(tmp_path, "app/export/bad_library.py", "import sqlalchemy\n")
    _write(tmp_path, "app/export/fine.py", "from app.domain import rules\nfrom . import fine\n")
    _write(tmp_path, "app/cli/bad_export.py", "from app.export import pdf\n")
    _write(tmp_path, "ui/bad_store.py", "from app.store.tables import cases\n")
    _write(tmp_path, "ui/fine.py", "from app.services import cases\nimport PySide6\n")
    found = violations(tmp_path)
    by_file = sorted({line.split(":")[0] for line in found})
    assert by_file == ["app/cli/bad_export.py", "app/domain/bad_inside.py",
                       "app/domain/bad_top.py", "app/export/bad_library.py",
                       "app/export/bad_package.py", "app/export/bad_relative.py",
                       "ui/bad_store.py"], found
    assert any("app.export.bad_relative imports app.services.handouts" in v for v in found)


#: Cycles known when the floors were first enforced (all through imports inside functions),
#: each to be broken by a later step; a new cycle fails, and so does one of these once gone.
KNOWN_CYCLES = [
]


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """The lines of ``if TYPE_CHECKING:`` blocks: imports for the type checker only, which
    load nothing and make no cycle."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of ``app`` it imports (a ``from pkg import name`` that names a
    function counts as an import of ``pkg``)."""
    modules = {module_name(p, root) for p in (root / "app").rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for path in (root / "app").rglob("*.py"):
        source = module_name(path, root)
        typing_only = _type_checking_lines(ast.parse(path.read_text(encoding="utf-8")))
        for target, line in imports_of(path, root):
            if line in typing_only:
                continue
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # a package is its __init__; importing a submodule loads its packages first,
            # which is no arrow of ours
            if target and target != source and not source.startswith(target + "."):
                graph[source].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module (the cycles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_the_modules_of_app_import_each_other_in_no_cycle() -> None:
    cycles = strongly_connected(_graph(ROOT))
    new = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not new, f"import cycles among the modules of app/: {new}"
    gone = [c for c in KNOWN_CYCLES if c not in cycles]
    assert not gone, f"cycles no longer there, remove them from KNOWN_CYCLES: {gone}"


def allowed_table() -> str:
    """The table of :data:`ALLOWED` as the README shows it."""
    lines = ["| Floor | May import (besides itself and the utilities) | What it is |",
             "| --- | --- | --- |"]
    for floor, allowed in ALLOWED.items():
        names = ", ".join(f"`{a}`" for a in allowed) if allowed else "nothing"
        shown = "utilities (`" + "`, `".join(u for u in UTILITIES if u != "app") + "`)" \
            if floor == "utilities" else f"`{floor}`"
        lines.append(f"| {shown} | {names} | {PURPOSE[floor]} |")
    return "\n".join(lines)


def test_the_readme_shows_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- layers:begin -->\n", "<!-- layers:end -->"
    assert begin in readme and end in readme, "README.md lacks the layers markers"
    shown = readme.split(begin, 1)[1].split(end, 1)[0].strip()
    assert shown == allowed_table(), ("README.md's table of the floors differs from "
                                      "tests/test_architecture.py; put this between the "
                                      "markers:\n" + allowed_table())


def test_app_never_imports_qt_or_ui() -> None:
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for name, line in imports_of(path, ROOT):
            top = name.split(".")[0]
            if top in QT_MODULES or top == "ui":
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not offenders, offenders


def test_ui_writes_no_sql() -> None:
    """Widgets ask services; they never build queries or touch tables."""
    offenders = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for name, line in imports_of(path, ROOT):
            if name.startswith(("sqlalchemy", "sqlcipher3", "sqlite3", "app.store")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not offenders, offenders


def test_core_imports_without_qt_loaded() -> None:
    import subprocess
    import sys

    code = ("import sys, app.cli, app.vault.vault, app.vault.maintenance, app.services.accounts;"
            "import app.store.schema;"
            "bad=[m for m in sys.modules if m.startswith(('PySide6','shiboken6'))];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["app.export.handout", "app.export.subject_access_pdf",
                                    "app.export.annual_report", "app.vault.vault"])
def test_the_floors_named_in_issue_20_hold(module: str) -> None:
    """The arrows issue 20 found (an export importing the services, the vault the
    services) are gone: each of these imports nothing from the floors above it."""
    path = ROOT / (module.replace(".", "/") + ".py")
    above = {"app.export": ("app.services", "app.store", "app.vault", "app.sharing"),
             "app.vault": ("app.services",)}[".".join(module.split(".")[:2])]
    wrong = [t for t, _line in imports_of(path, ROOT) if t.startswith(above)]
    assert not wrong, wrong
