"""Shared column helpers."""
from __future__ import annotations

from datetime import UTC, datetime

# The largest value an Integer column (ids, version numbers) holds on PostgreSQL; SQLite holds more.
INTEGER_MAX = 2**31 - 1


def utcnow() -> datetime:
    """Current time in UTC, naive (stored as UTC in every database)."""
    return datetime.now(UTC).replace(tzinfo=None)
