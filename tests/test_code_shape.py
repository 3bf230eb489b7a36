"""The house's shape, checked on the code itself (issue 15): hand-built SQL and database-vendor
choices only in the modules named for them, settings assigned once, transition names from the
FSM. The size limits and the import contracts are in tests/test_architecture.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from casework.models import Pathway
from casework.models.pathways import TRANSITION_NAMES, T

ROOT = Path(__file__).resolve().parents[1]
SIZED = ("casework", "notifications", "config", "bench")
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
LOAD_GENERATOR = ROOT / "casework" / "loadgen"  # its functions are exempt, not its modules


def sources(*apps: str):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


VENDOR_MODULES = {ROOT / "casework" / "vendor_sql.py"}


def test_only_the_vendor_module_asks_which_database_this_is():
    asking = [
        str(p.relative_to(ROOT))
        for p in sources("casework", "notifications", "workflows", "accounts")
        if p not in VENDOR_MODULES and "connection.vendor" in p.read_text()
    ]
    assert asking == []


SQL_MODULES = {  # hand-built statements, each beside the ORM query it replaces
    "casework/statements.py",  # the transition's
    "casework/vendor_sql.py",  # COPY, SET LOCAL
    "casework/services/facts.py",  # set-based refresh of the indicator facts
    "casework/services/board_summary.py",  # set-based refresh of the board's counts
    "notifications/services/sweep_sql.py",  # the sweep's batch writes
}


def test_hand_built_sql_lives_in_the_modules_named_for_it():
    executing = {
        str(p.relative_to(ROOT))
        for p in sources("casework", "notifications")
        if LOAD_GENERATOR not in p.parents and "management" not in p.parts and ".cursor()" in p.read_text()
    }
    assert executing <= SQL_MODULES, executing - SQL_MODULES


@pytest.mark.parametrize("path", sorted((ROOT / "config" / "settings").glob("*.py")), ids=lambda p: p.name)
def test_each_setting_is_assigned_once(path):
    names = [
        target.id
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    ]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_the_transition_names_are_read_from_the_fsm():
    fsm = {t.name for t in Pathway._meta.get_field("state").get_all_transitions(Pathway)}
    assert set(TRANSITION_NAMES) == fsm and len(fsm) == 14
    assert vars(T) == {name: name for name in fsm}


def test_the_load_generator_names_transitions_through_the_fsm():
    """Its journal rows say `T.orient`, never a bare name that could drift from the FSM."""
    source = (LOAD_GENERATOR / "pathways.py").read_text()
    bare = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and n.value in TRANSITION_NAMES]
    assert bare == []
