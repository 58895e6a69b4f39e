"""The exceptions kb raises for what a user did wrong, carrying Swedish messages for the user.

They sit below models and services (pure, no imports from kb), so that the models' personal-data guard
(kb.models.guard) can raise a ValidationError as well as the services; views, the API and the CLI turn
them into field errors (kb.forms), JSON or a message.
"""
from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base class for expected, user-facing failures."""


class ValidationError(ServiceError):
    """Input was refused; `errors` maps a field name to a Swedish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ConflictError(ServiceError):
    """Someone else saved the page after the revision the edit was based on."""

    def __init__(self, base: int, current: int):
        super().__init__(f"Sidan har ändrats (version {current}) sedan du började redigera (version {base}).")
        self.base = base
        self.current = current


class EditConflict(ConflictError):
    """Someone else changed the same part of the page: `merge` is the merge of both edits, with the
    overlapping text marked and the fields both changed listed (a kb.services.pages.merging.PageMerge)."""

    def __init__(self, base: int, current: int, merge: Any):
        super().__init__(base, current)
        self.merge = merge


class NotFoundError(ServiceError):
    """The thing asked for does not exist."""
