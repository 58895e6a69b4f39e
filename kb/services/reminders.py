"""Date reminders and who is responsible: routines nearing or past their date, activities due.

Who a routine's reminders go to: its owners and approvers, read from the page's `owner` and
`approver` fields (a value, or a list of values). A value that is a username is that user; a value
that is a structure's address means the users who watch that structure.

Who is responsible for an activity: the users watching its responsible structure (or, when it has
none, the structure whose plan it is in), plus every user named in the free-text "Ansvarig" field:
a part between semicolons or commas that is exactly a username ("NOSAM Lerum; anna.svensson"),
or a word written as @username anywhere in it.

Each reminder is a notification with a unique key (kind, subject, date) per user, so running
`kb notify` again, or twice at once, never reminds twice; a changed date gives a new reminder.
Routines are reminded 30 days before their date and once the date has passed (however long ago,
since there are few routines). Activities are reminded when their deadline (or a follow-up that is
just a date, e.g. "juni 2025") arrives, but not for dates more than 30 days back: old plans would
otherwise flood everyone the first time `kb notify` runs; Min sida lists them all the same.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from kb import fuzzydate, typed, urls
from kb.constants import ActivityStatus, Entity, PageType, ReminderKind, WatchKind
from kb.dates import long_date
from kb.extensions import db
from kb.models import ActionPlan, Activity, Notification, Page, User, Watch
from kb.services import confirmations, structure
from kb.services.notifications import watchers

SOON_DAYS = 30
LATE_DAYS = 30
# Fields of a routine that name the people its reminders go to.
ROUTINE_PEOPLE_FIELDS = ("owner", "approver")
# The date a routine is valid until; without it, the date it must be revised by.
ROUTINE_DATE_FIELDS = ("valid_until", "review_by")
FOLLOW_UP_DATE_MAX = 20
_MENTION = re.compile(r"@([a-z0-9][a-z0-9._-]{1,79})", re.IGNORECASE)
_PARTS = re.compile(r"[;,\n]")


def _values(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [str(v).strip() for v in items if isinstance(v, str | int) and str(v).strip()]


def _structure_watch_targets(slugs: Iterable[str]) -> set[tuple[str, str]]:
    found = structure.pages_by_slug({s.lower() for s in slugs})
    return {(WatchKind.STRUCTURE.value, str(page.id)) for page in found.values()
            if page.type == PageType.STRUCTURE.value}


def _users_named(names: Iterable[str]) -> list[User]:
    wanted = {n.strip().lower() for n in names if n.strip()}
    if not wanted:
        return []
    return list(db.session.scalars(select(User).where(User.username.in_(wanted), User.disabled.is_(False))))


def people_for(values: Iterable[str]) -> dict[int, User]:
    """Users meant by field values: a username is that user, a structure's address its watchers."""
    values = list(values)
    found = {u.id: u for u in _users_named(values)}
    found.update({u.id: u for u in watchers(_structure_watch_targets(values))})
    return found


def routine_people(page: Page) -> dict[int, User]:
    """The owners and approvers of a routine (see the module docstring)."""
    fields = page.fields or {}
    return people_for(v for name in ROUTINE_PEOPLE_FIELDS for v in _values(fields.get(name)))


def named_in_text(text: str) -> set[str]:
    """Usernames a free-text responsible names: whole parts between ; or , and @mentions (lower case)."""
    parts = {p.strip().lower() for p in _PARTS.split(text or "") if p.strip()}
    return parts | {m.lower() for m in _MENTION.findall(text or "")}


def activity_people(activity: Activity) -> dict[int, User]:
    """Who is responsible for an activity (see the module docstring)."""
    structure_id = activity.responsible_id or activity.plan.structure_id
    found = {u.id: u for u in watchers({(WatchKind.STRUCTURE.value, str(structure_id))})}
    found.update({u.id: u for u in _users_named(named_in_text(activity.responsible_text))})
    return found


def routine_date(fields: dict) -> tuple[str, date] | None:
    """The routine's reminder date and the field it came from (valid_until, else review_by)."""
    for name in ROUTINE_DATE_FIELDS:
        parsed = typed.parse_date(str((fields or {}).get(name, "")))
        if parsed is not None:
            return name, parsed
    return None


def follow_up_date(activity: Activity) -> date | None:
    """The day a follow-up that is only a date begins ("juni 2025" → 1 June 2025), else None."""
    text = (activity.follow_up or "").strip()
    if not text or len(text) > FOLLOW_UP_DATE_MAX:
        return None
    try:
        return fuzzydate.first_day(fuzzydate.parse(text))
    except ValueError:
        return None


def remind(user: User, kind: ReminderKind, entity: Entity, entity_id: int, on: date, text: str,
           link: str) -> bool:
    """Create a reminder unless this user already has it (same kind, subject and date); True if new."""
    key = f"{kind.value}:{entity.value}:{entity_id}:{on.isoformat()}"
    if db.session.scalar(select(Notification.id).where(Notification.user_id == user.id,
                                                       Notification.key == key)) is not None:
        return False
    db.session.add(Notification(user_id=user.id, entity=entity.value, entity_id=entity_id, op=kind.value,
                                text=text[:600], link=link[:500], key=key))
    try:
        db.session.commit()
    except IntegrityError:  # another run created it at the same moment
        db.session.rollback()
        return False
    return True


def _routine_text(kind: ReminderKind, page: Page, field: str, on: date) -> str:
    day = long_date(on)
    if field == "valid_until":
        return (f"Rutinen ”{page.title}” gäller till och med {day}. Dags att revidera den."
                if kind is ReminderKind.ROUTINE_SOON
                else f"Rutinen ”{page.title}” gällde till och med {day} och behöver revideras.")
    return (f"Rutinen ”{page.title}” ska revideras senast {day}." if kind is ReminderKind.ROUTINE_SOON
            else f"Rutinen ”{page.title}” skulle ha reviderats senast {day}.")


def routine_reminders(today: date) -> int:
    """Remind owners and approvers of routines within 30 days of their date, or past it."""
    created = 0
    routines = db.session.scalars(select(Page).where(Page.type == PageType.ROUTINE.value,
                                                     Page.deleted.is_(False)))
    for page in routines:
        found = routine_date(page.fields or {})
        # A routine never approved is not in force yet (its fields are the draft's).
        in_force = (page.fields or {}).get("status") != "upphävd" and getattr(page, "is_published", True)
        if found is None or not in_force:
            continue
        field, on = found
        if today > on:
            kind = ReminderKind.ROUTINE_PASSED
        elif (on - today).days <= SOON_DAYS:
            kind = ReminderKind.ROUTINE_SOON
        else:
            continue
        text = _routine_text(kind, page, field, on)
        for user in routine_people(page).values():
            created += remind(user, kind, Entity.PAGE, page.id, on, text, urls.page_path(page.slug))
    return created


def _live_activities():
    return (select(Activity).join(ActionPlan, ActionPlan.id == Activity.plan_id)
            .where(Activity.deleted.is_(False), ActionPlan.deleted.is_(False))
            .options(joinedload(Activity.plan), joinedload(Activity.responsible)))


def activity_reminders(today: date) -> int:
    """Remind those responsible when an activity's deadline or dated follow-up arrives."""
    created = 0
    oldest = today - timedelta(days=LATE_DAYS)
    due = db.session.scalars(_live_activities().where(
        Activity.due_on.between(oldest, today), Activity.status != ActivityStatus.DONE.value))
    for activity in due:
        text = (f"Slutdatum för aktiviteten ”{activity.title}” i ”{activity.plan.title}” är "
                f"{fuzzydate.label(activity.deadline)}. Status: {activity.activity_status.label}.")
        for user in activity_people(activity).values():
            created += remind(user, ReminderKind.ACTIVITY_DUE, Entity.ACTIVITY, activity.id, activity.due_on,
                              text, urls.activity_path(activity.id))
    dated = db.session.scalars(_live_activities().where(
        Activity.follow_up != "", func.length(Activity.follow_up) <= FOLLOW_UP_DATE_MAX))
    for activity in dated:
        on = follow_up_date(activity)
        if on is None or not oldest <= on <= today:
            continue
        text = (f"Dags att följa upp aktiviteten ”{activity.title}” i ”{activity.plan.title}” "
                f"({activity.follow_up}).")
        for user in activity_people(activity).values():
            created += remind(user, ReminderKind.ACTIVITY_FOLLOW_UP, Entity.ACTIVITY, activity.id, on, text,
                              urls.activity_path(activity.id))
    return created


def reading_reminders() -> int:
    """Remind everyone who must read a page of each version in force they have not confirmed (once per
    person, page and version day; kb.services.confirmations)."""
    created = 0
    for user, page, version in confirmations.reminder_targets():
        text = f"Att läsa och bekräfta: ”{page.title}” (version {version.number})."
        created += remind(user, ReminderKind.READ_REQUIRED, Entity.PAGE, page.id, confirmations.version_day(version),
                          text, urls.page_path(page.slug) + "#bekrafta")
    return created


def create_reminders(today: date) -> int:
    """All reminders due on `today` that do not exist yet; return how many were created."""
    return routine_reminders(today) + activity_reminders(today) + reading_reminders()


def responsible_activities(user: User, today: date, *, within_days: int = SOON_DAYS) -> list[Activity]:
    """Activities the user is responsible for that are not done and due within `within_days` (or late)."""
    structure_ids = [int(t) for t in db.session.scalars(select(Watch.target).where(
        Watch.user_id == user.id, Watch.kind == WatchKind.STRUCTURE.value)) if t.isdigit()]
    by_structure = or_(Activity.responsible_id.in_(structure_ids),
                       Activity.responsible_id.is_(None) & ActionPlan.structure_id.in_(structure_ids))
    by_name = func.lower(Activity.responsible_text).contains(user.username.lower())
    rows = db.session.scalars(_live_activities().where(
        Activity.status != ActivityStatus.DONE.value, Activity.due_on.is_not(None),
        Activity.due_on <= today + timedelta(days=within_days), or_(by_structure, by_name))
        .order_by(Activity.due_on, Activity.id)).unique()
    wanted = set(structure_ids)
    return [a for a in rows if (a.responsible_id or a.plan.structure_id) in wanted
            or user.username.lower() in named_in_text(a.responsible_text)]
