"""The house's size limits, read from the code: a reader should take in a module, and a function,
at once. No module of the apps over 450 lines, no function over 60 (migrations aside, and the
load generator, which builds rows in bulk for the bench). The import layers and the absence of
import cycles are checked by import-linter (`lint-imports`, in `make quality`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from workflows.management.commands.draw_architecture import APPS, OUTPUT, architecture_dot

ROOT = Path(__file__).resolve().parent.parent
MODULE_MAX_LINES = 450
FUNCTION_MAX_LINES = 60
# Exempt by design: the load generator's row builders (bench data, not domain code).
LOAD_GENERATOR = "casework/loadgen/"


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in (*APPS, "bench")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def too_long_functions(path: Path) -> list[tuple[str, int]]:
    """(qualified name, lines) of the functions longer than the limit, decorators excluded."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = child.end_lineno - child.lineno + 1
                if lines > FUNCTION_MAX_LINES:
                    found.append((f"{prefix}{child.name}", lines))
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(tree, "")
    return found


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_module_over_the_line_limit():
    too_long = {rel(path): n for path in app_modules() if (n := len(path.read_text().splitlines())) > MODULE_MAX_LINES}
    assert too_long == {}, f"modules over {MODULE_MAX_LINES} lines: split them"


def test_no_function_over_the_line_limit():
    too_long = {
        f"{rel(path)}:{name}": n
        for path in app_modules()
        if not rel(path).startswith(LOAD_GENERATOR)
        for name, n in too_long_functions(path)
    }
    assert too_long == {}, f"functions over {FUNCTION_MAX_LINES} lines: split them, or make a table"


@pytest.mark.parametrize("module", ["casework/models/pathways.py"])
def test_the_walk_sees_the_apps(module):
    """The walk reads real modules (a broken path would make both limits pass vacuously)."""
    assert module in {rel(path) for path in app_modules()}


def test_the_import_contracts_are_kept():
    """The layers (config.urls → workflows | accounts → notifications → casework → config.api |
    config.celery) and no import cycle inside any app: import-linter's contracts in pyproject.toml,
    also run by `make quality`."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_architecture_picture_is_the_code_s():
    """docs/img/architecture.dot is drawn from the imports; a new part or import between parts
    redraws it (`python manage.py draw_architecture`)."""
    graph = grimp.build_graph(*APPS, exclude_type_checking_imports=True, cache_dir=None)
    assert OUTPUT.with_suffix(".dot").read_text() == architecture_dot(graph), "run manage.py draw_architecture"
