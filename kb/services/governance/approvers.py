"""Who approves a page: the named approver, the authors of a waiting change, and the rule that joins them."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from kb import typed
from kb.constants import AreaRole, Role
from kb.extensions import db
from kb.models import AreaGrant, Page, Revision, User
from kb.permissions import can_govern, is_approver
from kb.services import users


def approver_accounts() -> dict[str, User]:
    """Every active fastställare and administrator by username (site-wide, or fastställare or area
    administrator in some area): the accounts a routine may name as its approver. Lists load them
    once and pass them to named_approver (a handful of rows)."""
    roles = [r.value for r in Role if r.rank >= Role.APPROVER.rank]
    area_roles = [r.value for r in AreaRole if r.rank >= Role.APPROVER.rank]
    in_area = select(AreaGrant.user_id).where(AreaGrant.role.in_(area_roles))
    query = select(User).where(or_(User.role.in_(roles), User.id.in_(in_area)), User.disabled.is_(False))
    return {user.username: user for user in db.session.scalars(query)}


def _named_in(rev: Revision) -> str:
    """The user name a revision names in its approver field ('' when none)."""
    for spec in typed.specs_for(rev.type):
        if spec.kind == typed.USER and (rev.fields or {}).get(spec.name):
            return str(rev.fields[spec.name]).strip().lower()
    return ""


# Waiting revisions by page id, loaded for a whole list at once (waiting_revisions).
Waiting = dict[int, list[Revision]]


def _waiting(page: Page, waiting: Waiting | None = None) -> list[Revision]:
    """The revisions written since the one readers see (all of them for a page never approved), newest first."""
    if waiting is not None and page.id in waiting:
        return waiting[page.id]
    query = select(Revision).where(Revision.page_id == page.id)
    if page.published is not None:
        query = query.where(Revision.number > page.published.number)
    return list(db.session.scalars(query.order_by(Revision.number.desc())))


def waiting_revisions(page_ids: list[int]) -> Waiting:
    """The waiting revisions of many pages in one query, for lists that check each of them."""
    if not page_ids:
        return {}
    shown = aliased(Revision)
    query = (select(Revision).join(Page, Page.id == Revision.page_id)
             .outerjoin(shown, shown.id == Page.published_revision_id)
             .where(Revision.page_id.in_(page_ids), Revision.number > func.coalesce(shown.number, 0))
             .order_by(Revision.page_id, Revision.number.desc()))
    found: dict[int, list[Revision]] = {page_id: [] for page_id in page_ids}
    for rev in db.session.scalars(query):
        found[rev.page_id].append(rev)
    return found


def pending_authors(page: Page, waiting: Waiting | None = None) -> set[str]:
    """Who wrote the changes waiting for approval (user names, lower case): none of them may approve."""
    return {(rev.author or "").strip().lower() for rev in _waiting(page, waiting)} - {""}


def named_approver(page: Page, people: dict[str, User] | None = None,
                   waiting: Waiting | None = None) -> User | None:
    """The page's named approver if that is an active fastställare (in the page's area) or
    administrator, else None.

    The last approved version's `approver` field counts (a draft may not pick its own approver). A page
    never approved uses the approver named by the newest draft that someone other than the named person
    submitted: a fastställare cannot take a routine over by naming themselves in it.
    `people`: approver_accounts(), when a list asks for many pages.
    """
    if page.published is not None:
        name = _named_in(page.published)
    else:
        name = next((n for rev in _waiting(page, waiting)
                     if (n := _named_in(rev)) and n != (rev.author or "").strip().lower()), "")
    if not name:
        return None
    user = people.get(name) if people is not None else users.get(name)
    if user is not None and not user.disabled and is_approver(user, page.area_id):
        return user
    return None


def may_approve(user, page: Page, people: dict[str, User] | None = None,
                waiting: Waiting | None = None) -> bool:
    """Whether an active fastställare or administrator `user` may approve the page's draft: never their
    own change; administrators always otherwise; else the named approver, any fastställare when none
    is named, and another fastställare when the change is the named approver's own."""
    authors = pending_authors(page, waiting)
    if user.username.lower() in authors:
        return False
    if Role(user.role) is Role.ADMIN:
        return True
    named = named_approver(page, people, waiting)
    return named is None or named.id == user.id or named.username.lower() in authors


def can_approve(user, page: Page, people: dict[str, User] | None = None, waiting: Waiting | None = None) -> bool:
    """Whether `user` may approve (or send back) the page's draft.

    Only a fastställare of the page's area (or site-wide, for an open area) or an administrator.
    Nobody approves their own change. Administrators otherwise always may; a fastställare if they are
    the routine's named approver, or no approver is named, or the change is the named approver's own
    (it needs another fastställare). `people`: approver_accounts() and `waiting`: waiting_revisions(),
    when a list asks for many pages.
    """
    return is_approver(user, page.area_id) and may_approve(user, page, people, waiting)


def can_approve_as(actor: str, page: Page) -> bool:
    """Whether the account named `actor` may approve the page's draft (the service's own check)."""
    user = users.get(actor) if actor else None
    return user is not None and can_approve(user, page)


def responsible(user, page: Page, people: dict[str, User] | None = None) -> bool:
    """Whether `user` is responsible for the page: administrators, else its named approver, else the
    editors of its area."""
    if not can_govern(user, page.area_id):
        return False
    if Role(user.role) is Role.ADMIN:
        return True
    named = named_approver(page, people)
    return named.id == user.id if named is not None else True
