"""Areas (collaboration bodies: SAMLA, NOSAM GBG Sydväst …) and the roles users hold in them.

Every page, action plan and collaboration plan belongs to one area (`area_id`); an attachment
belongs to its page's area. One shared area (SHARED_AREA_KEY) holds region-wide content. A row
written without an area gets the installation's own area (kb.config DEFAULT_AREA) when it is
flushed, so code that knows nothing of areas keeps working for a one-body installation.

Which areas are members-only is read once per database session (`closed_area_ids`) and a user's
roles once per user object (`User.area_roles`), so permission checks on a list add no query per row.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.constants import AreaRole
from kb.extensions import db
from kb.models.base import utcnow

SHARED_AREA_KEY = "gemensamt"
SHARED_AREA_NAME = "Gemensamt för regionen"
DEFAULT_AREA_KEY = "samla"
DEFAULT_AREA_NAME = "SAMLA – Vårdsamverkan Lerum Alingsås"
KEY_MAX = 40
# How a grant was given: by hand (an administrator, `kb user grant`); #21 adds groups.
BY_HAND = "hand"

_CLOSED = "kb_closed_area_ids"
_CLOSED_SOURCE = "kb_closed_area_source"
_DEFAULT = "kb_default_area_id"


class Area(db.Model):
    """A collaboration body's space: its own editors, structures, plans and orientation path."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Members-only: only members (anyone with a role in the area) and administrators see its content.
    members_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # A retired area keeps its content but is not offered for new content.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def shared(self) -> bool:
        """Whether this is the region-wide area."""
        return self.key == SHARED_AREA_KEY

    def __repr__(self) -> str:
        return f"<Area {self.key}>"


class AreaGrant(db.Model):
    """One role of one user in one area."""

    __tablename__ = "area_grant"
    __table_args__ = (UniqueConstraint("user_id", "area_id", "source", name="uq_area_grant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    role: Mapped[str] = mapped_column(String(30), default=AreaRole.EDITOR.value)
    source: Mapped[str] = mapped_column(String(200), default=BY_HAND)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def area_role(self) -> AreaRole:
        """The role as an enum."""
        return AreaRole(self.role)


def default_area_key() -> str:
    """The key of the installation's own area (KB_DEFAULT_AREA; "samla" by default)."""
    if has_app_context():
        return str(current_app.config.get("DEFAULT_AREA") or DEFAULT_AREA_KEY)
    return DEFAULT_AREA_KEY


def closed_area_ids(session: Session | None = None) -> frozenset[int]:
    """Ids of the members-only areas, read once per database session (or taken from the source a
    reading request offered: `offer_closed_area_ids`)."""
    session = session or db.session()
    ids = session.info.get(_CLOSED)
    if ids is None:
        source = session.info.pop(_CLOSED_SOURCE, None)
        ids = source() if source is not None else frozenset(
            session.scalars(select(Area.id).where(Area.members_only)))
        session.info[_CLOSED] = ids
    return ids


def offer_closed_area_ids(session: Session, source: Callable[[], frozenset[int]]) -> None:
    """Let the session's first need of the members-only areas call `source` instead of a query (once;
    the source may itself call closed_area_ids, which then queries). Dropped when areas change."""
    session.info[_CLOSED_SOURCE] = source


def note_closed_area_ids(session: Session, ids: frozenset[int]) -> None:
    """Remember the members-only area ids for the session when they were read with all areas anyway."""
    session.info.setdefault(_CLOSED, ids)


def forget_areas(session: Session | None = None) -> None:
    """Drop the session's cached area facts (after an area is created or changed)."""
    session = session or db.session()
    for key in (_CLOSED, _CLOSED_SOURCE, _DEFAULT):
        session.info.pop(key, None)


def default_area_id(session: Session) -> int | None:
    """Id of the installation's own area (read once per session)."""
    area_id = session.info.get(_DEFAULT)
    if area_id is None:
        with session.no_autoflush:
            area_id = session.scalar(select(Area.id).where(Area.key == default_area_key()))
            if area_id is None:  # an instance whose own area was renamed: the first non-shared one
                area_id = session.scalar(select(Area.id).where(Area.key != SHARED_AREA_KEY).order_by(Area.id))
        if area_id is not None:
            session.info[_DEFAULT] = area_id
    return area_id


def _fill_default_area(session: Session, _context, _instances) -> None:
    """before_flush: content written without an area joins the installation's own area."""
    for obj in session.new:
        if hasattr(obj, "area_id") and not isinstance(obj, AreaGrant) and obj.area_id is None:
            if getattr(obj, "_kb_area_optional", False):
                continue
            obj.area_id = default_area_id(session)
    if any(isinstance(obj, Area) for obj in (*session.new, *session.dirty)):
        session.info.pop(_CLOSED, None)
        session.info.pop(_CLOSED_SOURCE, None)


event.listen(Session, "before_flush", _fill_default_area)
