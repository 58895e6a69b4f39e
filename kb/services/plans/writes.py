"""Writes: every create, edit, status change, delete and restore adds an immutable `PlanRevision`
(a snapshot as the user saw it), a `Change` row (the search index follows it) and an audit event in
one transaction. Edits carry the revision they were based on; a stale one raises ConflictError.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kb import fuzzydate, pii
from kb.constants import ActivityStatus, AuditAction, ChangeOp, Entity, RevisionOp
from kb.exceptions import ConflictError, ValidationError
from kb.extensions import db
from kb.models import ActionPlan, Activity, CollaborationPlan, Page, PlanRevision
from kb.models.base import utcnow
from kb.services import areas, audit, changes
from kb.services.plans.common import (
    ACTIVITY,
    COLLABORATION,
    PLAN,
    SHORT_MAX,
)
from kb.services.plans.inputs import (
    ActivityData,
    CleanActivity,
    CollaborationData,
    PlanData,
    clean_activity,
    one_line,
    validate_collaboration,
    validate_plan,
)

T = TypeVar("T")


def _add_revision(entity: str, row, snapshot: dict, op: RevisionOp, author: str, comment: str) -> PlanRevision:
    row.revision_number = (row.revision_number or 0) + 1
    row.updated_at = utcnow()
    if row.id is None:
        db.session.add(row)
    db.session.flush()
    rev = PlanRevision(entity=entity, entity_id=row.id, number=row.revision_number, op=op.value,
                       data=snapshot, author=(author or "")[:120], comment=one_line(comment)[:500])
    db.session.add(rev)
    db.session.flush()
    return rev


def _commit(row, base: int) -> None:
    try:
        changes.commit()
    except IntegrityError as exc:  # another editor saved the same revision number first
        db.session.rollback()
        if row.id is not None and db.session.get(type(row), row.id) is not None:
            db.session.refresh(row)
            raise ConflictError(base, row.revision_number) from exc
        raise ValidationError({"slug": "Adressen är redan upptagen. Välj en annan."}) from exc


def _check_base(row, base_revision: int | None) -> None:
    if base_revision is not None and base_revision != row.revision_number:
        raise ConflictError(base_revision, row.revision_number)


def _check_comment(comment: str, clean: Callable[[], T] | None = None) -> T | None:
    """Refuse a change comment that holds a personal number (plan history is public); with `clean`,
    return its result, and refuse the comment together with the errors it raises."""
    errors = pii.field_errors((("comment", "Kommentar", one_line(comment)),))
    try:
        result = clean() if clean is not None else None
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **errors}) from None
    if errors:
        raise ValidationError(errors)
    return result


def _detail(rev: PlanRevision) -> str:
    return f"version {rev.number}" + (f": {rev.comment}" if rev.comment else "")


# Activities

def _activity_snapshot(activity: Activity) -> dict:
    return {
        **ActivityData(
            goal=activity.goal, what=activity.what, subgoal=activity.subgoal, how=activity.how,
            decision=activity.decision, responsible=activity.responsible.slug if activity.responsible else "",
            responsible_text=activity.responsible_text, start=activity.start, deadline=activity.deadline,
            follow_up=activity.follow_up, status=activity.status, target_groups=list(activity.target_groups or []),
            pages=[p.slug for p in activity.pages],
        ).snapshot(),
        "plan": activity.plan.slug if activity.plan else "",
        "deleted": bool(activity.deleted),
    }


def _apply_activity(activity: Activity, clean: CleanActivity) -> None:
    d = clean.data
    activity.goal, activity.subgoal, activity.what, activity.how = d.goal, d.subgoal, d.what, d.how
    activity.decision, activity.follow_up = d.decision, d.follow_up
    activity.responsible = clean.responsible
    activity.responsible_text = d.responsible_text
    activity.start, activity.deadline = str(d.start), str(d.deadline)
    activity.start_on = fuzzydate.first_day(activity.start)
    activity.due_on = fuzzydate.last_day(activity.deadline)
    activity.status = str(d.status)
    activity.target_groups = list(d.target_groups)
    activity.pages = list(clean.pages)


def _record_activity(activity: Activity, op: RevisionOp, author: str, comment: str,
                     action: AuditAction = AuditAction.ACTIVITY_SAVED) -> PlanRevision:
    db.session.flush()
    rev = _add_revision(ACTIVITY, activity, _activity_snapshot(activity), op, author, comment)
    live = not activity.deleted and not activity.plan.deleted
    changes.record(Entity.ACTIVITY, activity.id, ChangeOp.UPSERT if live else ChangeOp.DELETE, author)
    audit.record(action, f"{activity.plan.slug}/{activity.id} {activity.title[:80]}", _detail(rev),
                 actor=author or None)
    return rev


def same_activity(activity: Activity, clean: CleanActivity) -> bool:
    """Whether saving `clean` would change nothing."""
    current = _activity_snapshot(activity)
    new = clean.data.snapshot()
    # Linked pages are a set (listed by title), so the order they were given in is no change.
    current["pages"], new["pages"] = sorted(current["pages"]), sorted(new["pages"])
    return all(current[k] == new[k] for k in new)


def create_activity(plan: ActionPlan, data: ActivityData | CleanActivity, *, author: str = "", comment: str = "",
                    position: int | None = None, op: RevisionOp = RevisionOp.CREATE, commit: bool = True
                    ) -> Activity:
    """Add an activity at the end of the plan (or at `position`)."""
    if plan.deleted:
        raise ValidationError({"plan": "Planen är borttagen. Återskapa den först."})
    clean = _check_comment(comment, lambda: data if isinstance(data, CleanActivity) else clean_activity(data))
    if position is None:
        db.session.flush()
        position = (db.session.scalar(select(func.max(Activity.position)).where(Activity.plan_id == plan.id))
                    or 0) + 1
    activity = Activity(plan=plan, position=position, revision_number=0)
    _apply_activity(activity, clean)
    db.session.add(activity)
    _record_activity(activity, op, author, comment or "Ny aktivitet")
    if commit:
        _commit(activity, 0)
    return activity


def update_activity(activity: Activity, data: ActivityData | CleanActivity, *, base_revision: int | None,
                    author: str = "", comment: str = "", op: RevisionOp = RevisionOp.EDIT, commit: bool = True
                    ) -> PlanRevision | None:
    """Save an edit based on `base_revision` (None: no check); None when nothing changed."""
    if activity.deleted:
        raise ValidationError({"what": "Aktiviteten är borttagen. Återskapa den för att ändra den."})
    clean = _check_comment(comment, lambda: data if isinstance(data, CleanActivity) else clean_activity(data))
    _check_base(activity, base_revision)
    if same_activity(activity, clean):
        return None
    base = activity.revision_number
    status_changed = clean.data.status != activity.status
    _apply_activity(activity, clean)
    action = AuditAction.ACTIVITY_STATUS if status_changed and op is RevisionOp.STATUS else AuditAction.ACTIVITY_SAVED
    rev = _record_activity(activity, op, author, comment, action)
    if commit:
        _commit(activity, base)
    return rev


def set_status(activity: Activity, status: object, *, comment: str = "", base_revision: int | None = None,
               author: str = "", commit: bool = True) -> PlanRevision:
    """A quick status change with a comment, recorded in the status history.

    Keeping the status with a comment records a follow-up note; neither is a ValidationError.
    """
    if activity.deleted:
        raise ValidationError({"status": "Aktiviteten är borttagen."})
    try:
        new = ActivityStatus.parse(status)
    except ValueError as exc:
        raise ValidationError({"status": str(exc)}) from None
    comment = one_line(comment)
    errors = pii.field_errors((("comment", "Kommentar", comment),))
    if len(comment) > SHORT_MAX:
        errors.setdefault("comment", f"Kommentaren får vara högst {SHORT_MAX} tecken.")
    if new.value == activity.status and not comment:
        errors.setdefault("status", f"Aktiviteten har redan status {new.label}. Välj en annan status "
                                    "eller skriv en kommentar.")
    if errors:
        raise ValidationError(errors)
    _check_base(activity, base_revision)
    base = activity.revision_number
    activity.status = new.value
    rev = _record_activity(activity, RevisionOp.STATUS, author, comment, AuditAction.ACTIVITY_STATUS)
    if commit:
        _commit(activity, base)
    return rev


def delete_activity(activity: Activity, *, author: str = "", comment: str = "", base_revision: int | None = None,
                    commit: bool = True) -> PlanRevision:
    """Mark an activity deleted; it and its history stay, and it can be restored."""
    if activity.deleted:
        raise ValidationError({"what": "Aktiviteten är redan borttagen."})
    _check_comment(comment)
    _check_base(activity, base_revision)
    base = activity.revision_number
    activity.deleted = True
    rev = _record_activity(activity, RevisionOp.DELETE, author, comment or "Aktiviteten togs bort",
                           AuditAction.ACTIVITY_DELETED)
    if commit:
        _commit(activity, base)
    return rev


def restore_activity(activity: Activity, *, author: str = "", comment: str = "", commit: bool = True
                     ) -> PlanRevision:
    """Bring a deleted activity back."""
    if not activity.deleted:
        raise ValidationError({"what": "Aktiviteten är inte borttagen."})
    _check_comment(comment)
    base = activity.revision_number
    activity.deleted = False
    rev = _record_activity(activity, RevisionOp.RESTORE, author, comment or "Återskapad")
    if commit:
        _commit(activity, base)
    return rev


# Action plans

def _plan_snapshot(plan: ActionPlan) -> dict:
    return {
        "title": plan.title, "slug": plan.slug, "structure": plan.structure.slug if plan.structure else "",
        "period": plan.period, "adopted": plan.adopted,
        "collaboration_plan": plan.collaboration_plan.slug if plan.collaboration_plan else "",
        "description": plan.description, "focus_areas": list(plan.focus_areas or []), "deleted": bool(plan.deleted),
    }


def _apply_plan(plan: ActionPlan, data: PlanData, structure: Page, collaboration: CollaborationPlan | None,
                start: int, end: int) -> None:
    plan.title, plan.slug, plan.structure = data.title, data.slug, structure
    plan.period_start, plan.period_end = start, end
    plan.adopted = str(data.adopted)
    plan.collaboration_plan = collaboration
    plan.description = data.description
    plan.focus_areas = list(data.focus_areas)


def _record_plan(plan: ActionPlan, op: RevisionOp, author: str, comment: str, *, touch_activities: bool,
                 action: AuditAction = AuditAction.PLAN_SAVED) -> PlanRevision:
    db.session.flush()
    rev = _add_revision(PLAN, plan, _plan_snapshot(plan), op, author, comment)
    changes.record(Entity.PLAN, plan.id, ChangeOp.DELETE if plan.deleted else ChangeOp.UPSERT, author)
    if touch_activities:  # their index documents show the plan's title and vanish with the plan
        for activity in plan.activities:
            live = not activity.deleted and not plan.deleted
            changes.record(Entity.ACTIVITY, activity.id, ChangeOp.UPSERT if live else ChangeOp.DELETE, author)
    audit.record(action, plan.slug, _detail(rev), actor=author or None)
    return rev


def create_plan(data: PlanData, *, author: str = "", comment: str = "", commit: bool = True,
                area_id: int | None = None, user=None) -> ActionPlan:
    """Add an action plan (without activities) in `area_id`, by default its structure's area. With
    `user` (a person acting in the UI), the area must be one they may edit in (ValidationError at
    "area" otherwise)."""
    clean, structure, collaboration, start, end = _check_comment(comment, lambda: validate_plan(data))
    area_id = area_id if area_id is not None else structure.area_id
    if user is not None:
        areas.check_choice(user, areas.key_of(area_id))
    plan = ActionPlan(revision_number=0, area_id=area_id)
    _apply_plan(plan, clean, structure, collaboration, start, end)
    db.session.add(plan)
    _record_plan(plan, RevisionOp.CREATE, author, comment or "Ny plan", touch_activities=False)
    if commit:
        _commit(plan, 0)
    return plan


def same_plan(plan: ActionPlan, data: PlanData) -> bool:
    """Whether saving cleaned `data` would change nothing."""
    current = _plan_snapshot(plan)
    new = asdict(data)
    return all(current[k] == new[k] for k in new)


def update_plan(plan: ActionPlan, data: PlanData, *, base_revision: int | None, author: str = "",
                comment: str = "", commit: bool = True) -> PlanRevision | None:
    """Save an edit of the plan's own fields; None when nothing changed."""
    if plan.deleted:
        raise ValidationError({"title": "Planen är borttagen. Återskapa den för att ändra den."})
    clean, structure, collaboration, start, end = _check_comment(comment, lambda: validate_plan(data, current=plan))
    _check_base(plan, base_revision)
    if same_plan(plan, clean):
        return None
    base = plan.revision_number
    renamed = (clean.title, clean.slug) != (plan.title, plan.slug)
    _apply_plan(plan, clean, structure, collaboration, start, end)
    rev = _record_plan(plan, RevisionOp.EDIT, author, comment, touch_activities=renamed)
    if commit:
        _commit(plan, base)
    return rev


def delete_plan(plan: ActionPlan, *, author: str = "", comment: str = "", base_revision: int | None = None,
                commit: bool = True) -> PlanRevision:
    """Mark a plan deleted (its activities leave lists and search); restorable."""
    if plan.deleted:
        raise ValidationError({"title": "Planen är redan borttagen."})
    _check_comment(comment)
    _check_base(plan, base_revision)
    base = plan.revision_number
    plan.deleted = True
    rev = _record_plan(plan, RevisionOp.DELETE, author, comment or "Planen togs bort", touch_activities=True,
                       action=AuditAction.PLAN_DELETED)
    if commit:
        _commit(plan, base)
    return rev


def restore_plan(plan: ActionPlan, *, author: str = "", comment: str = "", commit: bool = True) -> PlanRevision:
    """Bring a deleted plan back with its activities."""
    if not plan.deleted:
        raise ValidationError({"title": "Planen är inte borttagen."})
    _check_comment(comment)
    base = plan.revision_number
    plan.deleted = False
    rev = _record_plan(plan, RevisionOp.RESTORE, author, comment or "Återskapad", touch_activities=True)
    if commit:
        _commit(plan, base)
    return rev


# Collaboration plans

def _collaboration_snapshot(row: CollaborationPlan) -> dict:
    return {"title": row.title, "slug": row.slug, "period": row.period, "goals": list(row.goals or []),
            "description": row.description, "deleted": bool(row.deleted)}


def collaboration_state() -> tuple:
    """What changes when any collaboration plan is saved (they record no Change; see kb.caching)."""
    return tuple(db.session.execute(select(func.count(CollaborationPlan.id), func.max(CollaborationPlan.updated_at),
                                           func.sum(CollaborationPlan.revision_number))).one())


def save_collaboration_plan(data: CollaborationData, *, current: CollaborationPlan | None = None,
                            base_revision: int | None = None, author: str = "", comment: str = "",
                            commit: bool = True, area_id: int | None = None, user=None) -> CollaborationPlan:
    """Create a collaboration plan (in `area_id`: by default the own area, or `user`'s default area,
    checked as for action plans), or update `current`; nothing is written when nothing changed."""
    clean, start, end = _check_comment(comment, lambda: validate_collaboration(data, current=current))
    if current is None and user is not None:
        if area_id is None:
            start_area = areas.default_choice(user)
            area_id = start_area.id if start_area is not None else None
        area_id = areas.check_choice(user, areas.key_of(area_id)).id
    row = current or CollaborationPlan(revision_number=0, area_id=area_id)
    if current is not None:
        _check_base(current, base_revision)
        if {k: v for k, v in _collaboration_snapshot(current).items() if k != "deleted"} == asdict(clean):
            return current
    base = row.revision_number or 0
    row.title, row.slug, row.goals, row.description = clean.title, clean.slug, clean.goals, clean.description
    row.period_start, row.period_end = start, end
    _add_revision(COLLABORATION, row, _collaboration_snapshot(row),
                  RevisionOp.EDIT if current else RevisionOp.CREATE, author, comment)
    audit.record(AuditAction.PLAN_SAVED, f"samverkansplan {row.slug}", f"version {row.revision_number}",
                 actor=author or None)
    if commit:
        _commit(row, base)
    return row


def commit() -> None:
    """Commit writes made with commit=False (an import), then let the index catch up."""
    changes.commit()
