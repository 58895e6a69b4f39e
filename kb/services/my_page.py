"""What Min sida shows a user: everything that waits for them, gathered from the services that know.

Drafts to approve, drafts sent back, routines to review and open reader flags come from
`kb.services.governance`; activities and notifications from reminders and notifications; required
reading from confirmations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kb.models import Activity, Notification, Page, User
from kb.permissions import sees_area
from kb.services import confirmations, governance, notifications, reminders


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
    to_read: list = field(default_factory=list)  # confirmations.ToRead, newest first


def for_user(user: User, today: date) -> MyPage:
    """Everything Min sida shows `user` on `today` (nothing of members-only areas they are no member of,
    a membership taken away included)."""
    page = MyPage(activities=[a for a in reminders.responsible_activities(user, today)
                              if sees_area(user, a.plan.area_id)],
                  notifications=notifications.recent(user), unread=notifications.unread_count(user))
    page.drafts = [p for p in governance.drafts_awaiting(user) if sees_area(user, p.area_id)]
    page.returned = [(p, d) for p, d in governance.returned_drafts(user) if sees_area(user, p.area_id)]
    for routine in governance.reviews_due(user, within_days=reminders.SOON_DAYS):
        if not sees_area(user, routine.area_id):
            continue
        found = reminders.routine_date(routine.fields or {})
        on = found[1] if found else None
        page.reviews.append(ReviewItem(routine, on, on is not None and on < today))
    page.flags = [f for f in governance.open_flags(user) if sees_area(user, f.page.area_id)]
    page.to_read = confirmations.to_read(user)
    return page
