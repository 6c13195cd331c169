"""The layers keep their direction: app → graph → collectors, and the collection engine
knows no platform."""

import ast
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The packages of collectors/ that are sources (each a folder with its own spider or
#: parsers), found on disk so that a new source is checked too.
SOURCES = sorted(
    path.parent.name
    for path in (ROOT / "collectors").glob("*/__init__.py")
    if path.parent.name != "engine"
)


def imported(path: Path) -> set[str]:
    """The modules a file imports (absolute names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def test_the_sources_are_found():
    assert {"bluesky", "mastodon", "telegram", "imports"} <= set(SOURCES)


def test_the_engine_imports_no_platform():
    platforms = {f"collectors.{source}" for source in SOURCES} | {"collectors.registry"}
    for path in (ROOT / "collectors" / "engine").glob("*.py"):
        wrong = {name for name in imported(path)
                 if any(name == p or name.startswith(p + ".") for p in platforms)}  # fmt: skip
        assert not wrong, (path.name, wrong)


def test_dependencies_point_one_way():
    above = {"collectors": ("graph", "app"), "graph": ("app",)}
    for package, forbidden in above.items():
        for path in (ROOT / package).rglob("*.py"):
            wrong = {name for name in imported(path) if name.split(".")[0] in forbidden}
            assert not wrong, (str(path.relative_to(ROOT)), wrong)
    for path in [*ROOT.glob("collectors/**/*.py"), *ROOT.glob("graph/**/*.py"),
                 *ROOT.glob("app/**/*.py")]:  # fmt: skip
        assert not {n for n in imported(path) if n.split(".")[0] == "tests"}, path


def test_the_web_app_imports_no_command_module():
    # the overview's "what's new" is the report's headline: its figures and words, which
    # import no command module either
    shared = ("app.report.build", "app.report.words")
    allowed = ("app.web", "app.config", *shared)
    paths = [*(ROOT / "app" / "web").rglob("*.py"),
             *(ROOT / f"{name.replace('.', '/')}.py" for name in shared)]  # fmt: skip
    for path in paths:
        wrong = {name for name in imported(path)
                 if name.split(".")[0] == "app" and not name.startswith(allowed)}  # fmt: skip
        assert not wrong, (str(path.relative_to(ROOT)), wrong)


def test_every_query_is_named_once():
    tree = ast.parse((ROOT / "graph" / "store" / "queries.py").read_text(encoding="utf-8"))
    names = [target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
             for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
             if isinstance(target, ast.Name)]  # fmt: skip
    assert len(names) > 100 and sorted({n for n in names if names.count(n) > 1}) == []


def test_every_source_folder_declares_its_sources_under_names_of_their_own():
    from collectors.registry import sources

    declared = {path.parent.name for path in (ROOT / "collectors").glob("*/source.py")}
    assert declared == set(SOURCES)
    modules = [importlib.import_module(f"collectors.{folder}.source") for folder in SOURCES]
    names = [source.name for module in modules for source in module.SOURCES]
    assert sorted(names) == sorted(set(names)) == sorted(sources())
    assert {"bluesky", "bluesky-live", "mastodon", "web", "import-csv"} <= set(names)


def test_only_the_import_command_reaches_into_a_source_folder():
    platforms = {f"collectors.{source}" for source in SOURCES}
    for path in [*ROOT.glob("app/**/*.py"), *ROOT.glob("graph/**/*.py"),
                 *ROOT.glob("collectors/*.py")]:  # fmt: skip
        wrong = {name for name in imported(path)
                 if any(name == p or name.startswith(p + ".") for p in platforms)}  # fmt: skip
        if path.relative_to(ROOT).as_posix() == "app/cli/importing.py":
            wrong = {name for name in wrong if not name.startswith("collectors.imports")}
        assert not wrong, (str(path.relative_to(ROOT)), wrong)


def _code_strings(path: Path) -> list[str]:
    """The string constants of a module's code: docstrings (and their doctests) left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented) and ast.get_docstring(node, clean=False) is not None
    }
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]  # fmt: skip


#: Where SQL may be written: the store, and the Moodle log imports, whose DuckDB statements read
#: and count the file being imported (ten million lines), never the store.
_SQL_READERS = ("graph/store/", "collectors/moodle_logs/")


def test_sql_lives_in_the_store():
    """Statements are written in graph/store/ only (queries.py, the results reads, the
    store's own modules); commands, pages, metrics and collectors call them."""
    select = re.compile(r"\bSELECT\b")
    offending = sorted(
        str(path.relative_to(ROOT))
        for package in ("collectors", "graph", "app")
        for path in (ROOT / package).rglob("*.py")
        if not path.relative_to(ROOT).as_posix().startswith(_SQL_READERS)
        and any(select.search(text) for text in _code_strings(path))
    )
    assert offending == []
