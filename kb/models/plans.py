"""Collaboration plans, action plans and their activities, with an immutable history.

A collaboration plan (samverkansplan, e.g. 2023–2026) holds the prioritised goals. An action
plan (aktivitetsplan / handlingsplan) belongs to a structure page and a period; its rows are
activities, each linked to the pages it concerns. Every write adds a `PlanRevision` holding a
snapshot of the record as the user saw it, so the history can be read and compared.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.constants import ActivityStatus
from kb.extensions import db
from kb.models.areas import Area
from kb.models.base import utcnow
from kb.models.pages import Page


class CollaborationPlan(db.Model):
    """A samverkansplan: a period and its prioritised goals."""

    __tablename__ = "collaboration_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The area the plan belongs to (an action plan: its structure's area when made from the UI).
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area: Mapped[Area] = relationship(lazy="select")

    plans: Mapped[list[ActionPlan]] = relationship(back_populates="collaboration_plan",
                                                   order_by="ActionPlan.title")

    @property
    def period(self) -> str:
        """"2023–2026" (or one year)."""
        return period_label(self.period_start, self.period_end)


class ActionPlan(db.Model):
    """An aktivitetsplan / handlingsplan of one structure for one period."""

    __tablename__ = "action_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    structure_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    collaboration_plan_id: Mapped[int | None] = mapped_column(ForeignKey("collaboration_plan.id"), index=True)
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    # Fastställd: a fuzzy date in canonical form (see kb.fuzzydate), '' when not adopted yet.
    adopted: Mapped[str] = mapped_column(String(10), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Optional ordered headings (focus areas / goals) the plan is laid out by, as in the GBG plan.
    focus_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The area the plan belongs to (an action plan: its structure's area when made from the UI).
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area: Mapped[Area] = relationship(lazy="select")

    structure: Mapped[Page] = relationship(foreign_keys=[structure_id], lazy="joined")
    collaboration_plan: Mapped[CollaborationPlan | None] = relationship(back_populates="plans")
    activities: Mapped[list[Activity]] = relationship(back_populates="plan",
                                                      order_by="(Activity.position, Activity.id)")

    @property
    def period(self) -> str:
        """"2024" or "2024–2026"."""
        return period_label(self.period_start, self.period_end)

    def __repr__(self) -> str:
        return f"<ActionPlan {self.slug}>"


class ActivityPage(db.Model):
    """A page an activity concerns (many-to-many)."""

    __tablename__ = "activity_page"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), primary_key=True, index=True)


class Activity(db.Model):
    """One row of an action plan: goal, what, how, who, when, follow-up and status."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    goal: Mapped[str] = mapped_column(String(500), default="")
    subgoal: Mapped[str] = mapped_column(String(500), default="")
    what: Mapped[str] = mapped_column(Text, default="")
    how: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("page.id"), index=True)
    responsible_text: Mapped[str] = mapped_column(String(300), default="")
    # Fuzzy dates in canonical form, plus the days they cover for queries (overdue, reminders).
    start: Mapped[str] = mapped_column(String(10), default="")
    deadline: Mapped[str] = mapped_column(String(10), default="")
    start_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ActivityStatus.NOT_STARTED.value, index=True)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    plan: Mapped[ActionPlan] = relationship(back_populates="activities")
    responsible: Mapped[Page | None] = relationship(foreign_keys=[responsible_id])
    pages: Mapped[list[Page]] = relationship(secondary="activity_page", order_by="Page.title")

    @property
    def activity_status(self) -> ActivityStatus:
        """The status as an enum."""
        return ActivityStatus(self.status)

    def is_overdue(self, today: date) -> bool:
        """Deadline passed and not done."""
        return self.due_on is not None and self.due_on < today and self.status != ActivityStatus.DONE.value

    @property
    def title(self) -> str:
        """A one-line name: the first line of "what", shortened."""
        first = (self.what or "").strip().splitlines()[0] if (self.what or "").strip() else ""
        return first if len(first) <= 120 else first[:117].rstrip() + "…"

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.title[:30]!r}>"


class PlanRevision(db.Model):
    """One immutable version of a collaboration plan, action plan or activity (a JSON snapshot)."""

    __tablename__ = "plan_revision"
    __table_args__ = (UniqueConstraint("entity", "entity_id", "number", name="uq_plan_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "collaboration_plan", "action_plan" or "activity"
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def period_label(start: int, end: int) -> str:
    """"2024" for one year, "2024–2026" for several."""
    return str(start) if start == end else f"{start}–{end}"
