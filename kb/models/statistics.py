"""Use statistics (#23): what people search for per week and how often pages are read per month.

Only totals are stored: no user, network address, cookie or time of day. Queries are stripped of
personal numbers, e-mail addresses and phone numbers before they get here (kb.pii); both tables
are pruned after KB_STATS_DAYS (kb.services.retention).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db

# Longest query kept (normalised); longer ones are cut. The search box takes more, but a statistic
# of a pasted paragraph says nothing more for its tail.
QUERY_MAX = 200


class SearchWeek(db.Model):
    """How often one (normalised) query was searched for in one week, and what came of it."""

    __tablename__ = "search_week"
    __table_args__ = (UniqueConstraint("week", "query", name="uq_search_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date, index=True)  # the Monday the week starts on
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_hits: Mapped[int] = mapped_column(Integer, default=0)  # searches that found nothing
    clicks: Mapped[int] = mapped_column(Integer, default=0)  # results opened from the results page


class PageViewMonth(db.Model):
    """How often one page was opened in one month (by people; robots are left out)."""

    __tablename__ = "page_view_month"
    __table_args__ = (UniqueConstraint("page_id", "month", name="uq_page_view_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    views: Mapped[int] = mapped_column(Integer, default=0)
