"""Unit-of-work switches held in context variables (thread- and task-safe, nest correctly)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def bound(var: contextvars.ContextVar[T], value: T) -> Iterator[None]:
    """`var` holds `value` inside the block, and its previous value again after it."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)
