"""/statistik: what people search for and which pages they read, for editors and administrators.

Thin: the counting and the reports live in kb.services.statistics. Pages of members-only areas the
user is no member of are left out of the page lists (the service filters in its queries).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from kb import dates
from kb.auth.guards import require
from kb.permissions import Permission
from kb.services import statistics

bp = Blueprint("statistics", __name__)


@bp.before_app_request
def count_result_click() -> None:
    """Count a search result opened from a results page (kb.services.statistics.clicked_query); the
    cookieless page cache counts the views it answers itself (kb.pagecache)."""
    statistics.record_result_click(request.method, request.path, request.referrer, request.host,
                                   request.script_root, request.user_agent.string)


@bp.get("/statistik")
@require(Permission.EDIT)
def overview():
    """Search insight for the last 90 days or one week of them (?vecka=<its Monday>), the most read
    pages and routines, and pages nobody opened in six months."""
    today = dates.today()
    weeks = statistics.search_weeks(today)
    week = _week(request.args.get("vecka", ""), weeks)
    return render_template("statistics/overview.html", today=today, weeks=weeks, week=week,
                           search=statistics.search_report(week, today=today),
                           pages=statistics.most_read(current_user, today=today),
                           routines=statistics.most_read_routines(current_user, today=today),
                           unread_pages=statistics.unread_pages(current_user, today=today),
                           since=statistics.counted_since(), search_days=statistics.SEARCH_DAYS,
                           view_months=statistics.VIEW_MONTHS, unread_months=statistics.UNREAD_MONTHS,
                           week_label=dates.week_label, month_label=dates.month_label)


def _week(value: str, weeks: list[date]) -> date | None:
    """The week asked for, if it is one of those shown (else None: all of them)."""
    try:
        wanted = date.fromisoformat(value)
    except ValueError:
        return None
    return wanted if wanted in weeks else None
