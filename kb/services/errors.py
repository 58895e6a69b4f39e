"""Exceptions raised by services, carrying Swedish messages for the user."""
from __future__ import annotations

# Defined below the models (their personal-data guard raises a ValidationError); used from here.
from kb.errors import ServiceError, ValidationError

__all__ = ["ConflictError", "NotFoundError", "ServiceError", "ValidationError"]


class ConflictError(ServiceError):
    """Someone else saved the page after the revision the edit was based on."""

    def __init__(self, base: int, current: int):
        super().__init__(f"Sidan har ändrats (version {current}) sedan du började redigera (version {base}).")
        self.base = base
        self.current = current


class NotFoundError(ServiceError):
    """The thing asked for does not exist."""
