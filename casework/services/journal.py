"""A transition's own rows — the pathway's new columns, its audit row, its journal row — written
together by `casework.statements.pathway_transition_record`, where the hand-built statement
lives beside the ORM path it replaces.

Kept as the name `workflows/services/transitions.py` imports; it can import from
`casework.statements` directly and this module then goes.
"""

from casework.statements import pathway_transition_record, single_statement

__all__ = ["pathway_transition_record", "single_statement"]
