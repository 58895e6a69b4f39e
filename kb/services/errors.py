"""Exceptions raised by services, carrying Swedish messages for the user."""
from __future__ import annotations


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


class NotFoundError(ServiceError):
    """The thing asked for does not exist."""
