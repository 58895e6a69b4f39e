"""Watches and in-app notifications, derived from the change log so that nothing is missed.

Who hears about a change: the watchers of the page itself, of its page type, and of the structures
it belongs to (a structure page itself; a page whose page-reference fields, `parent` or `owner`,
name the structure). Attachments count as their page. A plan belongs to its structure; an
activity to its plan's structure and to its responsible structure.
Nobody hears about their own change, and a watch does not replay changes made before it existed.

`notify_changes` reads the change log after the cursor (the highest change id already handled)
and claims each change by inserting a `NotifiedChange` row in the same transaction as the
notifications, so two `kb notify` runs at once never notify a change twice. Ids a little below
the cursor are re-checked, because on PostgreSQL a change can become visible after a higher one.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from kb import permissions, urls
from kb.constants import ChangeOp, Entity, PageType, RevisionState, WatchKind
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import (
    ActionPlan,
    Activity,
    Attachment,
    Change,
    Notification,
    NotifiedChange,
    Page,
    Revision,
    User,
    Watch,
)
from kb.models.base import utcnow
from kb.services import changes, structure, users
from kb.services.visibility import notification_clause

# Change ids below the cursor that are re-checked for late arrivals, and rows handled per transaction.
WINDOW = 1000
BATCH = 50
RECENT_LIMIT = 50

# The sentence per change operation, by ChangeOp member name so that operations added later (the
# approval workflow) are matched by name whatever their stored value. {subject} is lower case
# ("sidan ”SIP”"), {Subject} capitalised.
OP_TEXTS: dict[str, str] = {
    "CREATE": "{Subject} har skapats",
    "UPSERT": "{Subject} har ändrats",
    "DELETE": "{Subject} har tagits bort",
    "DRAFT": "Ett utkast till {subject} väntar på godkännande",
    "APPROVE": "{Subject} har godkänts",
    "RETURN": "Utkastet till {subject} har skickats tillbaka för ändringar",
    "REVIEW": "{Subject} har granskats utan ändringar och gäller längre",
    "FLAG": "En läsare har rapporterat fel på {subject}",
    "FLAG_RESOLVED": "En flaggning av {subject} har åtgärdats",
}
FALLBACK_TEXT = "Något har hänt med {subject} ({op})"
# An upsert with no earlier change of the same record is reported as created.
CREATE_OP = "create"


def op_text(op: str) -> str:
    """The sentence template for a change operation's stored value (a fallback for unknown ones)."""
    for name, text in OP_TEXTS.items():
        member = ChangeOp.__members__.get(name)
        if op in {name.lower(), member.value if member is not None else None}:
            return text
    return FALLBACK_TEXT


def describe(op: str, subject: str) -> str:
    """The Swedish sentence for an operation on a subject ("Sidan ”SIP” har ändrats")."""
    return op_text(op).format(subject=subject, Subject=subject[:1].upper() + subject[1:], op=op)


# --- watching ------------------------------------------------------------------------------------

KIND_LABELS: dict[WatchKind, str] = {
    WatchKind.PAGE: "Sida",
    WatchKind.STRUCTURE: "Struktur med sidor, planer och aktiviteter",
    WatchKind.PAGE_TYPE: "Alla sidor av en typ",
}


@dataclass
class WatchItem:
    """A watch as listed on Mina bevakningar."""

    watch: Watch
    label: str
    kind_label: str
    link: str = ""


@dataclass
class WatchState:
    """The current user's watching of one page: their own watch and those that already cover it."""

    own: Watch | None = None
    covered_by: list[str] = field(default_factory=list)


def _target(kind: WatchKind, target: Page | str) -> str:
    if kind is WatchKind.PAGE_TYPE:
        value = target.type if isinstance(target, Page) else str(target)
        if value not in {t.value for t in PageType}:
            raise ValidationError({"page_type": "Välj en av sidtyperna i listan."})
        return value
    if not isinstance(target, Page) or target.deleted:
        raise ValidationError({"page": "Sidan finns inte (eller är borttagen) och kan inte bevakas."})
    if kind is WatchKind.STRUCTURE and target.type != PageType.STRUCTURE.value:
        raise ValidationError({"page": f"”{target.title}” är ingen struktur. Bevaka sidan i stället."})
    return str(target.id)


def type_watch_label(page_type: str) -> str:
    """What a page-type watch covers, in a sentence: "alla sidor av typen rutin"."""
    try:
        return f"alla sidor av typen {PageType(page_type).label.lower()}"
    except ValueError:
        return f"alla sidor av typen {page_type}"


def find_watch(user: User, kind: WatchKind, target: Page | str) -> Watch | None:
    """The user's watch of a target, if any."""
    return db.session.scalar(select(Watch).where(Watch.user_id == user.id, Watch.kind == kind.value,
                                                 Watch.target == _target(kind, target)))


def watch(user: User, kind: WatchKind, target: Page | str) -> Watch:
    """Start watching a page, a structure (a structure page) or a page type (its value); idempotent."""
    key = _target(kind, target)
    existing = find_watch(user, kind, target)
    if existing is not None:
        return existing
    row = Watch(user_id=user.id, kind=kind.value, target=key)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same watch was added at the same moment (a double click)
        db.session.rollback()
        return find_watch(user, kind, target)  # type: ignore[return-value]
    return row


def unwatch(user: User, watch_id: int) -> bool:
    """Remove one of the user's own watches; False when there is no such watch of theirs."""
    row = db.session.get(Watch, watch_id)
    if row is None or row.user_id != user.id:
        return False
    db.session.delete(row)
    db.session.commit()
    return True


def page_watch_kind(page: Page) -> WatchKind:
    """How a page is watched from its own page: a structure with everything under it, others alone."""
    return WatchKind.STRUCTURE if page.type == PageType.STRUCTURE.value else WatchKind.PAGE


def watches_of(user: User) -> list[WatchItem]:
    """The user's watches with a label and a link each, structures and pages by title, then types."""
    rows = list(db.session.scalars(select(Watch).where(Watch.user_id == user.id)))
    ids = [r.page_id for r in rows if r.page_id is not None]
    pages = {p.id: p for p in db.session.scalars(select(Page).where(Page.id.in_(ids)))} if ids else {}
    items: list[WatchItem] = []
    for row in rows:
        kind = row.watch_kind
        if kind is WatchKind.PAGE_TYPE:
            label = type_watch_label(row.target)
            items.append(WatchItem(row, label[:1].upper() + label[1:], KIND_LABELS[kind]))
            continue
        page = pages.get(row.page_id or 0)
        if page is None or not permissions.sees_area(user, page.area_id):  # gone, or no longer a member
            items.append(WatchItem(row, "(en sida som inte finns längre)", KIND_LABELS[kind]))
            continue
        suffix = " (borttagen)" if page.deleted else ""
        items.append(WatchItem(row, page.title + suffix, KIND_LABELS[kind], urls.page_path(page.slug)))
    order = {WatchKind.STRUCTURE: 0, WatchKind.PAGE: 1, WatchKind.PAGE_TYPE: 2}
    return sorted(items, key=lambda i: (order[i.watch.watch_kind], i.label.casefold()))


def owning_structures(page: Page, *, hidden: frozenset[int] = frozenset()) -> list[Page]:
    """Live structures a page belongs to through its page-reference fields (its parent, its owner),
    but those of the `hidden` areas."""
    return [p for p in structure.linked_pages(page, hidden=hidden).values() if p.type == PageType.STRUCTURE.value]


def watch_state(user: User, page: Page) -> WatchState:
    """Whether the user watches this page (or structure) and which other watches already cover it."""
    state = WatchState()
    if not getattr(user, "is_authenticated", False):
        return state
    titles = {p.id: p.title for p in owning_structures(page, hidden=permissions.hidden_areas(user))}
    for row in db.session.scalars(select(Watch).where(Watch.user_id == user.id)):
        if row.page_id == page.id and row.kind in (WatchKind.PAGE.value, WatchKind.STRUCTURE.value):
            state.own = row
        elif row.kind == WatchKind.PAGE_TYPE.value and row.target == page.type:
            state.covered_by.append(type_watch_label(page.type))
        elif row.kind == WatchKind.STRUCTURE.value and row.page_id in titles:
            state.covered_by.append(f"strukturen ”{titles[row.page_id]}”")
    return state


# --- from changes to notifications -----------------------------------------------------------------

@dataclass(frozen=True)
class Subject:
    """What a change is about: its label in a sentence, its link, and the watches that cover it."""

    label: str
    link: str
    targets: frozenset[tuple[str, str]]
    # The page it is (or is on): only those who may read the page hear about it.
    page: Page | None = None
    # The area of a plan or an activity: only those who may see the area hear about it.
    area_id: int | None = None

    def reaches(self, user: User) -> bool:
        """Whether `user` may hear about it."""
        return may_read(user, self.page) if self.page is not None else permissions.sees_area(user, self.area_id)


def _page_targets(page: Page) -> set[tuple[str, str]]:
    targets = {(WatchKind.PAGE.value, str(page.id)), (WatchKind.PAGE_TYPE.value, page.type)}
    if page.type == PageType.STRUCTURE.value:
        targets.add((WatchKind.STRUCTURE.value, str(page.id)))
    targets |= {(WatchKind.STRUCTURE.value, str(p.id)) for p in owning_structures(page)}
    return targets


# How a page is named in a sentence, by type ("rutinen ”SIP”"); other types are "sidan".
PAGE_NOUNS: dict[str, str] = {PageType.STRUCTURE.value: "strukturen", PageType.ROUTINE.value: "rutinen",
                              PageType.RECEPTION.value: "mottagningen"}


def _page_label(page: Page) -> str:
    return f"{PAGE_NOUNS.get(page.type, 'sidan')} ”{page.title}”"


def _activity_targets(activity: Activity) -> set[tuple[str, str]]:
    ids = (activity.plan.structure_id, activity.responsible_id)
    return {(WatchKind.STRUCTURE.value, str(i)) for i in ids if i}


def subject_of(entity: str, entity_id: int) -> Subject | None:
    """The subject of a change to a record, or None for records nobody can watch (the glossary)."""
    if entity == Entity.PAGE.value:
        page = db.session.get(Page, entity_id)
        if page is None:
            return None
        return Subject(_page_label(page), urls.page_path(page.slug), frozenset(_page_targets(page)), page)
    if entity == Entity.ATTACHMENT.value:
        attachment = db.session.get(Attachment, entity_id)
        if attachment is None:
            return None
        page = attachment.page
        return Subject(f"bilagan ”{attachment.name}” på sidan ”{page.title}”",
                       urls.page_path(page.slug) + "#sidans-bilagor", frozenset(_page_targets(page)), page)
    if entity == Entity.PLAN.value:
        plan = db.session.get(ActionPlan, entity_id)
        return Subject(f"aktivitetsplanen ”{plan.title}”", urls.plan_path(plan.slug),
                       frozenset({(WatchKind.STRUCTURE.value, str(plan.structure_id))}),
                       area_id=plan.area_id) if plan else None
    if entity == Entity.ACTIVITY.value:
        activity = db.session.get(Activity, entity_id)
        if activity is None:
            return None
        return Subject(f"aktiviteten ”{activity.title}” i ”{activity.plan.title}”",
                       urls.activity_path(activity.id), frozenset(_activity_targets(activity)),
                       area_id=activity.plan.area_id)
    return None


def watchers(targets: Iterable[tuple[str, str]], *, since=None, exclude: str = "") -> list[User]:
    """Active users with a watch on any of the targets (made at or before `since`), except `exclude`."""
    conditions = [and_(Watch.kind == kind, Watch.target == target) for kind, target in targets]
    if not conditions:
        return []
    query = (select(User).join(Watch, Watch.user_id == User.id)
             .where(or_(*conditions), User.disabled.is_(False)).distinct())
    if since is not None:
        query = query.where(Watch.created_at <= since)
    if exclude:
        query = query.where(User.username != exclude)
    return list(db.session.scalars(query))


def may_read(user: User, page: Page) -> bool:
    """Whether the user may see the page (a page never approved is for editors only)."""
    check = getattr(permissions, "can_read_page", None)
    return check(user, page) if check is not None else permissions.can(user, permissions.Permission.READ)


def _op_for(change: Change) -> str:
    if change.op != ChangeOp.UPSERT.value:
        return change.op
    earlier = db.session.scalar(select(Change.id).where(Change.entity == change.entity,
                                                        Change.entity_id == change.entity_id,
                                                        Change.id < change.id).limit(1))
    return CREATE_OP if earlier is None else change.op


def _notify(user: User, change: Change, op: str, subject: Subject, text: str | None = None) -> bool:
    """Add a notification, or count the change into an unread, unsent one about the same thing.
    `text`: the sentence, when it says more than the operation (a returned draft's reason)."""
    text = text or describe(op, subject.label)
    same = (Notification.user_id == user.id, Notification.entity == change.entity,
            Notification.entity_id == change.entity_id, Notification.op == op, Notification.key.is_(None),
            Notification.read_at.is_(None), Notification.digest_id.is_(None), Notification.sent_at.is_(None))
    existing = db.session.scalar(select(Notification.id).where(*same)
                                 .order_by(Notification.id.desc()).limit(1))
    if existing is not None:
        # Guarded by the same conditions: a digest that claimed it meanwhile makes this a new row.
        done = db.session.execute(
            update(Notification).where(Notification.id == existing, *same)
            .values(count=Notification.count + 1, actor=change.actor[:120], change_id=change.id,
                    text=text[:600], link=subject.link[:500],
                    created_at=change.created_at)
            .execution_options(synchronize_session=False))
        if done.rowcount:
            return False
    db.session.add(Notification(user_id=user.id, entity=change.entity, entity_id=change.entity_id, op=op,
                                text=text[:600], link=subject.link[:500],
                                actor=change.actor[:120], change_id=change.id, created_at=change.created_at))
    return True


def _returned(change: Change) -> tuple[list[User], str]:
    """For a draft sent back: the accounts that wrote it (besides the approver) and the reason."""
    draft = db.session.scalar(select(Revision).where(
        Revision.page_id == change.entity_id, Revision.state == RevisionState.RETURNED.value,
        Revision.returned_at <= change.created_at).order_by(Revision.number.desc()).limit(1))
    if draft is None:
        return [], ""
    page = db.session.get(Page, change.entity_id)
    since = page.published.number if page is not None and page.published is not None else 0
    names = set(db.session.scalars(select(Revision.author).where(
        Revision.page_id == change.entity_id, Revision.number > since, Revision.number <= draft.number)))
    names.discard(change.actor)
    people = list(db.session.scalars(select(User).where(User.username.in_(names), User.disabled.is_(False))))
    return people, draft.return_reason


def _notify_change(change: Change, earliest_watch) -> int:
    if change.entity == Entity.PAGE.value and change.op == ChangeOp.RETURN.value:
        return _notify_return(change, earliest_watch)
    if earliest_watch is None or change.created_at < earliest_watch:
        return 0
    subject = subject_of(change.entity, change.entity_id)
    if subject is None:
        return 0
    people = [u for u in watchers(subject.targets, since=change.created_at, exclude=change.actor)
              if subject.reaches(u)]
    if not people:
        return 0
    op = _op_for(change)
    return sum(_notify(user, change, op, subject) for user in people)


def _notify_return(change: Change, earliest_watch) -> int:
    """A draft sent back reaches its authors (with the reason) whether or not they watch the page,
    and the page's watchers as any change does."""
    subject = subject_of(change.entity, change.entity_id)
    if subject is None:
        return 0
    authors, reason = _returned(change)
    text = describe(change.op, subject.label) + (f": ”{reason}”" if reason else "")
    people = {u.id: u for u in authors}
    if earliest_watch is not None and change.created_at >= earliest_watch:
        for user in watchers(subject.targets, since=change.created_at, exclude=change.actor):
            people.setdefault(user.id, user)
    return sum(_notify(user, change, change.op, subject, text) for user in people.values()
               if subject.reaches(user))


def cursor() -> int:
    """The highest change id already turned into notifications (0 before the first run)."""
    return db.session.scalar(select(func.max(NotifiedChange.change_id))) or 0


def pending_changes(limit: int = BATCH) -> list[Change]:
    """Change-log rows not yet turned into notifications, oldest first."""
    floor = max(cursor() - WINDOW, 0)
    handled = select(NotifiedChange.change_id).where(NotifiedChange.change_id > floor)
    return list(db.session.scalars(select(Change).where(Change.id > floor, Change.id.not_in(handled))
                                   .order_by(Change.id).limit(limit)))


def _claim_and_notify(changes: list[Change], earliest_watch) -> int:
    ids = [c.id for c in changes]
    try:
        db.session.add_all([NotifiedChange(change_id=i) for i in ids])
        db.session.flush()
    except IntegrityError:  # another run claimed some of them first: take the rest one by one
        db.session.rollback()
        if len(ids) == 1:
            return 0
        return sum(_claim_and_notify([c], earliest_watch) for c in db.session.scalars(
            select(Change).where(Change.id.in_(ids)).order_by(Change.id)))
    created = sum(_notify_change(c, earliest_watch) for c in changes)
    db.session.commit()
    return created


def notify_changes(*, batch: int = BATCH) -> int:
    """Turn every pending change into notifications for its watchers; return how many were added."""
    earliest_watch = db.session.scalar(select(func.min(Watch.created_at)))
    created = 0
    while changes := pending_changes(batch):
        created += _claim_and_notify(changes, earliest_watch)
    # Claims far below the re-check window are never looked at again.
    db.session.execute(delete(NotifiedChange).where(NotifiedChange.change_id <= cursor() - 2 * WINDOW))
    db.session.commit()
    return created


# --- reading ---------------------------------------------------------------------------------------

def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None), notification_clause(user))) or 0


def header_count(user: User) -> int:
    """The unread count in the header of every page: kept per process while the user's viewer stamp
    (kb.services.users.viewer_stamp), the areas hidden from them and the change log (which pages a
    notification may still name) stand still, so a signed-in page view runs no query for it."""
    key = (user.id, users.viewer_stamp(user), frozenset(user.hidden_area_ids))
    return changes.while_unchanged("unread-count", key, lambda: unread_count(user))


def recent(user: User, limit: int = RECENT_LIMIT) -> list[Notification]:
    """The user's newest notifications, unread first."""
    order = (Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              notification_clause(user))
                                   .order_by(*order).limit(limit)))


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications as read; False when it is not theirs or does not exist."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        return False
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    return True


def mark_all_read(user: User) -> int:
    """Mark all the user's notifications as read; return how many were unread."""
    done = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                         Notification.read_at.is_(None))
                              .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount or 0
