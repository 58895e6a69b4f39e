"""The base of kb's user-facing exceptions, pure Python (no Flask, no database).

They live below the models, so that the models' personal-data guard (kb.models.guard) can raise a
ValidationError without importing the web layer; kb.errors turns them into error pages and
kb.services.errors re-exports them with the services' other exceptions.
"""
from __future__ import annotations


class ServiceError(Exception):
    """Base class for expected, user-facing failures."""


class ValidationError(ServiceError):
    """Input was refused; `errors` maps a field name to a Swedish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
