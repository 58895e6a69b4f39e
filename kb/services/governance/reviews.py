"""A routine's validity: its valid-until date, recorded reviews, and reviews coming due."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb import dates, typed
from kb.constants import AuditAction, ChangeOp, Entity, PageType, Role, WatchKind
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Page, Review, Watch
from kb.permissions import can_govern
from kb.services import audit, changes, pages, structure, users
from kb.services.governance.approvers import approver_accounts, named_approver, responsible
from kb.services.governance.common import DUE_WITHIN_DAYS, REVIEW_COMMENT_MAX, clean_text


def has_validity(page_type: str) -> bool:
    """Whether pages of this type have a valid-until date (routines)."""
    return any(s.name == "valid_until" for s in typed.specs_for(page_type))


def valid_until(page: Page) -> date | None:
    """The effective valid-until date readers see (None when the page has none)."""
    return typed.parse_date(str((page.fields or {}).get("valid_until") or ""))


def interval_months(page: Page) -> int:
    """The page's review interval in months (its own, else REVIEW_INTERVAL_MONTHS)."""
    return typed.interval_months(page.fields or {}, current_app.config["REVIEW_INTERVAL_MONTHS"])


def is_expired(page: Page, today: date | None = None) -> bool:
    """Whether a published routine's validity has run out (a repealed routine never expires)."""
    until = valid_until(page)
    return (until is not None and page.is_published and (page.fields or {}).get("status") != "upphävd"
            and until < (today or dates.today()))


def watches_owner(user, page: Page) -> bool:
    """Whether `user` watches the structure named as the routine's owner."""
    owner = structure.pages_by_slug({str(page.fields["owner"])}).get(str(page.fields["owner"])) \
        if (page.fields or {}).get("owner") else None
    if owner is None or owner.type != PageType.STRUCTURE.value:
        return False
    return db.session.scalar(select(Watch.id).where(
        Watch.user_id == user.id, Watch.kind == WatchKind.STRUCTURE.value, Watch.target == str(owner.id))) is not None


def may_review(user, page: Page) -> bool:
    """Whether `user` may record "Granskad utan ändring": an administrator, the routine's named approver,
    or an editor of its area who watches its owner structure (the structure that answers for it)."""
    if not can_govern(user, page.area_id):
        return False
    if Role(user.role) is Role.ADMIN:
        return True
    named = named_approver(page)
    return (named is not None and named.id == user.id) or watches_owner(user, page)


def record_review(page: Page, *, actor: str, comment: str = "", on: date | None = None,
                  commit: bool = True) -> Review:
    """Record "Granskad utan ändring" by the account `actor`: the valid-until date becomes today plus the
    review interval (never later: reviewing again the same day changes nothing; never earlier than it was)."""
    if page.deleted or not page.is_published or not has_validity(page.type):
        raise ValidationError({"page": "Bara publicerade rutiner med giltighetstid kan granskas."})
    user = users.get(actor) if actor else None
    if user is None or not may_review(user, page):
        raise ValidationError({"page": "Bara rutinens fastställare, de som bevakar den ägande strukturen och "
                                       "administratörer kan registrera en granskning."})
    comment = clean_text(comment, "comment", "Kommentar", REVIEW_COMMENT_MAX, required=False)
    on = on or dates.today()
    before = valid_until(page)
    after = max(typed.add_months(on, interval_months(page)), before or on)
    review = Review(page_id=page.id, reviewed_by=actor, comment=comment, valid_until_before=before,
                    valid_until=after, revision_number=page.published.number)
    db.session.add(review)
    page.fields = {**(page.fields or {}), "valid_until": after.isoformat()}
    changes.record(Entity.PAGE, page.id, ChangeOp.REVIEW, actor)
    audit.record(AuditAction.PAGE_REVIEWED, page.slug,
                 f"giltig till {before.isoformat() if before else '–'} → {after.isoformat()}"
                 + (f": {comment}" if comment else ""), actor=actor or None)
    if commit:
        changes.commit()
    return review


def reviews_for(page: Page) -> list[Review]:
    """A page's recorded reviews, newest first."""
    return list(db.session.scalars(select(Review).where(Review.page_id == page.id)
                                   .order_by(Review.reviewed_at.desc(), Review.id.desc())))


def live_routines(*, published_only: bool) -> list[Page]:
    types = [t.value for t in PageType if has_validity(t.value)]
    query = (select(Page).where(Page.deleted.is_(False), Page.type.in_(types))
             .options(selectinload(Page.published)))
    if published_only:
        query = query.where(pages.published_clause())
    return list(db.session.scalars(query))


def by_valid_until(page: Page) -> tuple:
    until = valid_until(page)
    return (until is None, until or date.max, page.title)


def reviews_due(user, *, within_days: int = DUE_WITHIN_DAYS) -> list[Page]:
    """Published routines `user` is responsible for whose validity ends within N days or has ended,
    overdue first."""
    limit = dates.today() + timedelta(days=within_days)
    people = approver_accounts()
    due = [p for p in live_routines(published_only=True)
           if (until := valid_until(p)) is not None and until <= limit
           and (p.fields or {}).get("status") != "upphävd" and responsible(user, p, people)]
    return sorted(due, key=by_valid_until)
