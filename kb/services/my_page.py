"""What Min sida shows a user: everything that waits for them, gathered from the services that know.

Drafts to approve, routines to review and open reader flags come from `kb.services.governance`
(the approval workflow). It is imported lazily: without it those sections are simply left out.
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType

from kb.models import Activity, Notification, Page, User
from kb.services import notifications, reminders

GOVERNANCE = "kb.services.governance"
GOVERNANCE_FUNCTIONS = ("drafts_awaiting", "reviews_due", "open_flags")


def governance() -> ModuleType | None:
    """The approval-workflow service module, or None when this installation does not have it."""
    if importlib.util.find_spec(GOVERNANCE) is None:
        return None
    module = importlib.import_module(GOVERNANCE)
    return module if all(hasattr(module, name) for name in GOVERNANCE_FUNCTIONS) else None


@dataclass(frozen=True)
class ReviewItem:
    """A routine to review, with the date it is valid until (or must be revised by) and whether it passed."""

    page: Page
    on: date | None
    passed: bool


@dataclass
class MyPage:
    """The sections of Min sida; `governance` is False when drafts, reviews and flags are not available."""

    governance: bool = False
    drafts: list = field(default_factory=list)
    returned: list = field(default_factory=list)  # (page, draft) sent back to this user
    reviews: list[ReviewItem] = field(default_factory=list)
    flags: list = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    unread: int = 0


def for_user(user: User, today: date) -> MyPage:
    """Everything Min sida shows `user` on `today`."""
    page = MyPage(activities=reminders.responsible_activities(user, today),
                  notifications=notifications.recent(user), unread=notifications.unread_count(user))
    gov = governance()
    if gov is not None:
        page.governance = True
        page.drafts = list(gov.drafts_awaiting(user))
        page.returned = list(gov.returned_drafts(user))
        for routine in gov.reviews_due(user, within_days=reminders.SOON_DAYS):
            found = reminders.routine_date(routine.fields or {})
            on = found[1] if found else None
            page.reviews.append(ReviewItem(routine, on, on is not None and on < today))
        page.flags = list(gov.open_flags(user))
    return page
