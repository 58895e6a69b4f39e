"""What Min sida shows a user: everything that waits for them, gathered from the services that know.

Drafts to approve, drafts sent back, routines to review and open reader flags come from
`kb.services.governance`; activities and notifications from reminders and notifications.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kb.models import Activity, Notification, Page, User
from kb.services import governance, notifications, reminders


@dataclass(frozen=True)
class ReviewItem:
    """A routine to review, with the date it is valid until (or must be revised by) and whether it passed."""

    page: Page
    on: date | None
    passed: bool


@dataclass
class MyPage:
    """The sections of Min sida."""

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
    page.drafts = list(governance.drafts_awaiting(user))
    page.returned = list(governance.returned_drafts(user))
    for routine in governance.reviews_due(user, within_days=reminders.SOON_DAYS):
        found = reminders.routine_date(routine.fields or {})
        on = found[1] if found else None
        page.reviews.append(ReviewItem(routine, on, on is not None and on < today))
    page.flags = list(governance.open_flags(user))
    return page
