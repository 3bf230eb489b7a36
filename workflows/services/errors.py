"""Errors of the transition service, each mapped to one HTTP status by the API and the UI."""


class TransitionError(Exception):
    status_code = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class TransitionInvalid(TransitionError):
    """Bad parameters: 400 with field messages."""


class TransitionForbidden(TransitionError):
    """The caller may see the pathway but not perform this transition: 403."""

    status_code = 403


class TransitionConflict(TransitionError):
    """Not allowed from the current state, or lost a race with a concurrent transition: 409."""

    status_code = 409
