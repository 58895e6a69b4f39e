"""Exceptions raised by services, carrying Swedish messages for the user."""
from __future__ import annotations

from typing import TYPE_CHECKING

# Defined below the models (their personal-data guard raises a ValidationError); used from here.
from kb.exceptions import ServiceError, ValidationError

if TYPE_CHECKING:
    from kb.services.pages.merging import PageMerge

__all__ = ["ConflictError", "EditConflict", "NotFoundError", "ServiceError", "ValidationError"]


class ConflictError(ServiceError):
    """Someone else saved the page after the revision the edit was based on."""

    def __init__(self, base: int, current: int):
        super().__init__(f"Sidan har ändrats (version {current}) sedan du började redigera (version {base}).")
        self.base = base
        self.current = current


class EditConflict(ConflictError):
    """Someone else changed the same part of the page: `merge` is the merge of both edits, with the
    overlapping text marked and the fields both changed listed."""

    def __init__(self, base: int, current: int, merge: PageMerge):
        super().__init__(base, current)
        self.merge = merge


class NotFoundError(ServiceError):
    """The thing asked for does not exist."""
