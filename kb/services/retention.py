"""How long kb keeps what it records about people, and the clean-up that enforces it (`kb notify`).

- Login attempts and "Glömt lösenordet?" requests (username or address, network address, time) are
  needed only to count recent failures and requests: deleted after KB_LOGIN_LOG_DAYS (default 30).
- The audit log (who did what, when) stays, because it is the record of who changed roles and
  approved routines; the network address in it is blanked after KB_ADDRESS_DAYS (default 90).
- Use statistics (kb.services.statistics: searches per week, page views per month, no user or address)
  are deleted once their week or month ended more than KB_STATS_DAYS (default 365) ago.
The privacy statement (/personuppgifter) reads the same settings, so what it says is what happens.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update

from kb import dates
from kb.extensions import db
from kb.models import AuditEvent, LoginAttempt, PasswordReset
from kb.models.base import utcnow
from kb.services import statistics


@dataclass(frozen=True)
class Pruned:
    """What one clean-up removed."""

    login_attempts: int
    reset_requests: int
    audit_addresses: int
    search_weeks: int = 0  # rows of search statistics (one query in one week)
    page_view_months: int = 0  # rows of page views (one page in one month)


def login_log_days() -> int:
    """Days login attempts and password-reset requests are kept."""
    return max(1, int(current_app.config["LOGIN_LOG_DAYS"]))


def address_days() -> int:
    """Days the audit log keeps the network address of an event."""
    return max(1, int(current_app.config["ADDRESS_DAYS"]))


def stats_days() -> int:
    """Days the use statistics are kept after their week or month ended."""
    return max(1, int(current_app.config["STATS_DAYS"]))


def prune(now: datetime | None = None) -> Pruned:
    """Delete expired login attempts, reset requests and statistics, blank old audit addresses; one transaction."""
    now = now or utcnow()
    log_cut = now - timedelta(days=login_log_days())
    address_cut = now - timedelta(days=address_days())
    attempts = db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < log_cut)).rowcount
    resets = db.session.execute(delete(PasswordReset).where(PasswordReset.created_at < log_cut,
                                                            PasswordReset.expires_at < now)).rowcount
    addresses = db.session.execute(update(AuditEvent).where(AuditEvent.created_at < address_cut,
                                                           AuditEvent.remote_addr != "")
                                   .values(remote_addr="")).rowcount
    searches, views = statistics.prune(stats_days(), dates.local_date(now))
    db.session.commit()
    return Pruned(attempts or 0, resets or 0, addresses or 0, searches, views)
