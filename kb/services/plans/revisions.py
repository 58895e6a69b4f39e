"""Plan, activity and collaboration-plan history: revisions and what each one changed."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from kb import fuzzydate
from kb.constants import ActivityStatus, RevisionOp
from kb.exceptions import NotFoundError
from kb.extensions import db
from kb.models import Activity, CollaborationPlan, PlanRevision
from kb.services.plans.common import (
    ACTIVITY,
    ACTIVITY_LABELS,
    COLLABORATION,
    COLLABORATION_LABELS,
    PLAN,
    PLAN_LABELS,
)
from kb.services.structure import pages_by_slug


def history(entity: str, entity_id: int) -> list[PlanRevision]:
    """Revisions of a plan, activity or collaboration plan, newest first."""
    return list(db.session.scalars(
        select(PlanRevision).where(PlanRevision.entity == entity, PlanRevision.entity_id == entity_id)
        .order_by(PlanRevision.number.desc())))


def get_revision(entity: str, entity_id: int, number: int) -> PlanRevision:
    """One revision, or NotFoundError."""
    rev = db.session.scalar(select(PlanRevision).where(
        PlanRevision.entity == entity, PlanRevision.entity_id == entity_id, PlanRevision.number == number))
    if rev is None:
        raise NotFoundError(f"Version {number} finns inte.")
    return rev


# Snapshot fields that hold page addresses, and the one that holds a collaboration plan's address.
PAGE_REF_KEYS = frozenset({"structure", "responsible", "pages"})
COLLABORATION_REF_KEY = "collaboration_plan"


Titles = Mapping[tuple[str, str], str]  # ("page" or "plan", address) -> title


def _reference(key: str) -> str | None:
    return "page" if key in PAGE_REF_KEYS else "plan" if key == COLLABORATION_REF_KEY else None


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def format_value(key: str, value: object, titles: Titles | None = None) -> str:
    """A snapshot value as shown in history: status labels, date labels, titles for addresses, lists joined."""
    if value is None or value == "" or value == []:
        return ""
    kind = _reference(key)
    if titles and kind:
        return ", ".join(titles.get((kind, str(v)), str(v)) for v in _as_list(value))
    if key == "status":
        try:
            return ActivityStatus(value).label
        except ValueError:
            return str(value)
    if key in ("start", "deadline", "adopted"):
        return fuzzydate.label(str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return str(value)


@dataclass
class FieldChange:
    """One field that differs between two revisions."""

    key: str
    label: str
    old: str
    new: str


# How history names a page a reader may not see (never approved): neither its title nor its address.
HIDDEN_PAGE = "(en sida som inte är fastställd)"


def reference_titles(snapshots: Iterable[Mapping], *,
                     published_only: bool = False) -> dict[tuple[str, str], str]:
    """Titles for the page and collaboration-plan addresses in snapshots (two queries at most).

    An address whose page or plan is gone has no title; history shows the address itself.
    `published_only` (a reader): a page never approved is named HIDDEN_PAGE, not by title or address.
    """
    wanted: dict[str, set[str]] = {"page": set(), "plan": set()}
    for data in snapshots:
        for key, value in data.items():
            kind = _reference(key)
            if kind:
                wanted[kind].update(str(v) for v in _as_list(value) if v)
    titles = {("page", slug): page.title if page.is_published or not published_only else HIDDEN_PAGE
              for slug, page in pages_by_slug(wanted["page"]).items()}
    if wanted["plan"]:
        titles.update({("plan", slug): title for slug, title in db.session.execute(
            select(CollaborationPlan.slug, CollaborationPlan.title)
            .where(CollaborationPlan.slug.in_(wanted["plan"])))})
    return titles


def describe_changes(entity: str, old: dict | None, new: dict,
                     titles: Titles | None = None) -> list[FieldChange]:
    """The fields that changed from `old` to `new` (everything set, for a first revision)."""
    labels = {ACTIVITY: ACTIVITY_LABELS, PLAN: PLAN_LABELS, COLLABORATION: COLLABORATION_LABELS}[entity]
    if titles is None:
        titles = reference_titles([old or {}, new])
    out: list[FieldChange] = []
    for key, label in labels.items():
        before = format_value(key, (old or {}).get(key), titles)
        after = format_value(key, new.get(key), titles)
        if before != after:
            out.append(FieldChange(key, label, before, after))
    return out


@dataclass
class HistoryEntry:
    """A revision with what it changed, for history pages."""

    revision: PlanRevision
    changes: list[FieldChange]

    @property
    def status_change(self) -> FieldChange | None:
        """The status change in this revision, if any."""
        return next((c for c in self.changes if c.key == "status"), None)


def history_entries(entity: str, entity_id: int, *, published_only: bool = False) -> list[HistoryEntry]:
    """Revisions newest first, each with the fields it changed (pages a reader may not see unnamed,
    with `published_only`)."""
    revs = list(reversed(history(entity, entity_id)))
    titles = reference_titles((rev.data or {} for rev in revs), published_only=published_only)
    out: list[HistoryEntry] = []
    previous: dict | None = None
    for rev in revs:
        out.append(HistoryEntry(rev, describe_changes(entity, previous, rev.data or {}, titles)))
        previous = rev.data or {}
    return list(reversed(out))


def status_history(activity: Activity, *, published_only: bool = False) -> list[HistoryEntry]:
    """The revisions that set or changed the status, or were quick status updates, newest first."""
    return [e for e in history_entries(ACTIVITY, activity.id, published_only=published_only)
            if e.status_change is not None or e.revision.op == RevisionOp.STATUS.value]
