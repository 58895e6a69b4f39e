"""Use statistics (#23): searches per week and page views per month, counted without knowing who.

Recording never writes to the database during a request. Each process keeps its counts in memory
(a `Tally` per app, thread-safe), keyed by (page, month) and (week, normalised query), and writes
them in one upsert per table when STATS_FLUSH_SECONDS have passed or STATS_FLUSH_COUNT events have
been counted since the last write (in a short-lived thread, so no request waits for it), and at
process exit (atexit). A crash loses at most the counts of those last seconds: acceptable for
aggregate statistics. Tests call `flush()` themselves.

A click on a search result is told from the results page's address the browser sends along: kb
sends `Referrer-Policy: same-origin` (kb.security), so a browser that opens a result names in its
Referer the results page (and so the query, `q`) it came from. The result links stay plain links (no
redirect, no JavaScript, page caches unchanged). A browser that withholds the Referer is not counted,
so clicks are a lower bound; the glossary link in the header, followed from a results page, counts
as a click (glossary hits are /ordlista#term, and the part after # never reaches the server).

What is stored: a query only after kb.pii.strip_personal_data, lower-cased, with how many searches
found nothing and how many led to a click on a result; a page view only as a monthly total. No
user, network address or cookie. Requests from robots (kb.useragents) are not counted.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask, current_app
from sqlalchemy import and_, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from kb import dates, pii, urls, useragents
from kb.constants import PageType
from kb.extensions import db
from kb.models import Page, PageViewMonth, SearchWeek
from kb.models.statistics import QUERY_MAX
from kb.permissions import hidden_areas

log = logging.getLogger(__name__)

# The search insight covers this many days back from today.
SEARCH_DAYS = 90
# A page nobody opened in this many months (this one included) is listed as unread.
UNREAD_MONTHS = 6
# The history tab and "most read" look this many months back (this one included).
VIEW_MONTHS = 12


# --- counting in memory -----------------------------------------------------------------------------

class Tally:
    """The counts of one app in one process not yet written to the database."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()  # guards the counts below
        self.writing = threading.Lock()  # one write at a time
        self.views: Counter[tuple[int, date]] = Counter()
        self.searches: dict[tuple[date, str], list[int]] = {}  # [searches, zero hits, clicks]
        self.events = 0
        self.last_write = time.monotonic()
        self.scheduled = False
        self.engine: Any = None

    def add_view(self, page_id: int, month: date) -> None:
        """Count one view of a page in a month."""
        with self.lock:
            self.views[(page_id, month)] += 1
            self.events += 1
        self._write_if_due()

    def add_search(self, week: date, query: str, *, searched: int = 0, zero: int = 0, clicked: int = 0) -> None:
        """Count a search (and whether it found nothing) or a click on one of its results."""
        with self.lock:
            counts = self.searches.setdefault((week, query), [0, 0, 0])
            counts[0] += searched
            counts[1] += zero
            counts[2] += clicked
            self.events += 1
        self._write_if_due()

    def _write_if_due(self) -> None:
        """Start a write in the background when enough time has passed or enough events are waiting."""
        config = self.app.config
        with self.lock:
            due = (self.events >= int(config["STATS_FLUSH_COUNT"])
                   or time.monotonic() - self.last_write >= float(config["STATS_FLUSH_SECONDS"]))
            if not due or self.scheduled:
                return
            self.scheduled = True
        threading.Thread(target=self.write, name="kb-stats-flush", daemon=True).start()

    def take(self) -> tuple[Counter[tuple[int, date]], dict[tuple[date, str], list[int]]]:
        """Hand over the counts so far and start counting afresh."""
        with self.lock:
            views, searches = self.views, self.searches
            self.views, self.searches, self.events = Counter(), {}, 0
            self.last_write, self.scheduled = time.monotonic(), False
            return views, searches

    def write(self) -> int:
        """Add the counts so far to the database in one transaction; return how many rows were touched.

        A failed write is logged and its counts dropped (aggregate statistics: never worth a retry loop).
        """
        with self.writing:
            views, searches = self.take()
            if not views and not searches:
                return 0
            try:
                engine = self._engine()
                with engine.begin() as connection:
                    _upsert(connection, PageViewMonth.__table__, ("page_id", "month"), ("views",),
                            [{"page_id": p, "month": m, "views": n} for (p, m), n in views.items()])
                    _upsert(connection, SearchWeek.__table__, ("week", "query"), ("searches", "zero_hits", "clicks"),
                            [{"week": w, "query": q, "searches": s, "zero_hits": z, "clicks": c}
                             for (w, q), (s, z, c) in searches.items()])
            except Exception:  # noqa: BLE001 - never let statistics break anything else
                log.warning("Statistiken kunde inte sparas (%d sidor, %d sökningar tappades)",
                            len(views), len(searches), exc_info=True)
                return 0
            return len(views) + len(searches)

    def _engine(self) -> Any:
        """The app's engine, found once (writes happen outside any request)."""
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        return self.engine


def _upsert(connection: Any, table: Any, keys: tuple[str, ...], counts: tuple[str, ...], rows: list[dict]) -> None:
    """Insert `rows`, or add their counts to the rows already there with the same keys: one statement."""
    if not rows:
        return
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(connection.dialect.name)
    if dialect is None:  # another database: read-modify-write, still in the caller's one transaction
        for row in rows:
            where = and_(*(table.c[k] == row[k] for k in keys))
            done = connection.execute(table.update().where(where).values(
                {c: table.c[c] + row[c] for c in counts})).rowcount
            if not done:
                connection.execute(table.insert().values(row))
        return
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + statement.excluded[c] for c in counts})
    connection.execute(statement, rows)


_TALLIES: weakref.WeakSet[Tally] = weakref.WeakSet()
_EXIT_HOOK: list[bool] = []


def _write_all() -> None:
    """At process exit: write what every app of this process still holds."""
    for tally in list(_TALLIES):
        tally.write()


def tally(app: Flask | None = None) -> Tally:
    """The app's counts in this process (made on first use)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("kb_statistics")
    if found is None:
        found = app.extensions["kb_statistics"] = Tally(app)
        _TALLIES.add(found)
        if not _EXIT_HOOK:
            _EXIT_HOOK.append(True)
            atexit.register(_write_all)
    return found


def flush(app: Flask | None = None) -> int:
    """Write the counts waiting in this process now; return how many rows were touched."""
    return tally(app).write()


def counting(app: Flask, user_agent: str | None) -> bool:
    """Whether a request with this user agent is counted (statistics on, not a robot)."""
    return bool(app.config.get("STATS_ENABLED", True)) and not useragents.is_robot(user_agent)


def normalise_query(text: str) -> str:
    """A query as the statistics keep it: personal data replaced, lower case, single spaces, cut."""
    return " ".join(pii.strip_personal_data(text).lower().split())[:QUERY_MAX].strip()


def record_view(page_id: int, user_agent: str | None, *, app: Flask | None = None, day: date | None = None) -> None:
    """Count one view of a page (unless by a robot). Works without an app context when `app` is given."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if counting(app, user_agent):
        tally(app).add_view(page_id, dates.month_start(day or dates.today()))


def record_search(query: str, hits: int, user_agent: str | None, *, day: date | None = None) -> None:
    """Count one search from the results page and whether it found nothing."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    normal = normalise_query(query)
    if normal and counting(app, user_agent):
        tally(app).add_search(dates.week_start(day or dates.today()), normal, searched=1, zero=int(hits == 0))


def record_click(query: str, user_agent: str | None, *, app: Flask | None = None, day: date | None = None) -> None:
    """Count one result opened from the results page of `query` (without an app context when `app` is given)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    normal = normalise_query(query)
    if normal and counting(app, user_agent):
        tally(app).add_search(dates.week_start(day or dates.today()), normal, clicked=1)


# Addresses search results lead to (each prefix followed by something: "/planer" alone is the overview).
RESULT_PREFIXES = (urls.PAGE_PREFIX, urls.PLANS_PREFIX, urls.ACTIVITY_PREFIX, urls.COLLABORATION_PREFIX,
                   urls.ATTACHMENT_PREFIX)
SEARCH_PATH = "/sok"


def clicked_query(method: str, path: str, referer: str | None, host: str | None, script_root: str = "") -> str | None:
    """The query of the results page a request was opened from, if the request opens a search result:
    a GET of a result's address (`path`, below `script_root`) whose Referer is a results page of the same host."""
    if method != "GET" or not referer:
        return None
    if path != urls.GLOSSARY_PATH and not any(path.startswith(p) and len(path) > len(p) for p in RESULT_PREFIXES):
        return None
    came = urlsplit(referer)
    if came.netloc != host or came.path != script_root + SEARCH_PATH:
        return None
    return (parse_qs(came.query).get("q") or [""])[0] or None


def record_result_click(method: str, path: str, referer: str | None, host: str | None, script_root: str,
                        user_agent: str | None, *, app: Flask | None = None) -> None:
    """Count a click for its query if this request opens a search result (see `clicked_query`)."""
    query = clicked_query(method, path, referer, host, script_root)
    if query is not None:
        record_click(query, user_agent, app=app)


# --- reports -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueryRow:
    """One query's totals over the weeks reported."""

    query: str
    searches: int
    zero_hits: int
    clicks: int


@dataclass(frozen=True)
class SearchReport:
    """The search insight for some weeks: the most frequent queries, those that found nothing and
    those whose results nobody opened."""

    weeks: list[date]
    top: list[QueryRow]
    zero_hits: list[QueryRow]
    no_click: list[QueryRow]
    searches: int  # all searches in the weeks


def search_weeks(today: date | None = None) -> list[date]:
    """The Mondays of the weeks of the last SEARCH_DAYS days, newest first."""
    today = today or dates.today()
    first = dates.week_start(today - timedelta(days=SEARCH_DAYS - 1))
    last = dates.week_start(today)
    return [last - timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def search_report(week: date | None = None, *, today: date | None = None, limit: int = 20) -> SearchReport:
    """The search insight for one week (a Monday among `search_weeks`) or, without one, all of them."""
    weeks = [week] if week is not None else search_weeks(today)
    searches, zero, clicks = (func.sum(SearchWeek.searches), func.sum(SearchWeek.zero_hits),
                              func.sum(SearchWeek.clicks))
    base = (select(SearchWeek.query, searches, zero, clicks).where(SearchWeek.week.in_(weeks))
            .group_by(SearchWeek.query))

    def rows(statement) -> list[QueryRow]:
        return [QueryRow(q, s or 0, z or 0, c or 0) for q, s, z, c in db.session.execute(statement.limit(limit))]

    total = db.session.scalar(select(func.coalesce(func.sum(SearchWeek.searches), 0))
                              .where(SearchWeek.week.in_(weeks)))
    return SearchReport(
        weeks=weeks,
        top=rows(base.order_by(searches.desc(), SearchWeek.query)),
        zero_hits=rows(base.having(zero > 0).order_by(zero.desc(), SearchWeek.query)),
        no_click=rows(base.having(searches > zero, clicks == 0).order_by((searches - zero).desc(), SearchWeek.query)),
        searches=int(total or 0),
    )


def monthly_views(page_id: int, *, today: date | None = None, months: int = VIEW_MONTHS) -> list[tuple[date, int]]:
    """A page's views per month for the last `months` months (this one included), newest first, zeros too."""
    today = today or dates.today()
    firsts = [dates.months_before(today, i) for i in range(months)]
    counted = dict(db.session.execute(select(PageViewMonth.month, PageViewMonth.views).where(
        PageViewMonth.page_id == page_id, PageViewMonth.month >= firsts[-1])).all())
    return [(first, counted.get(first, 0)) for first in firsts]


@dataclass(frozen=True)
class PageRow:
    """A page with its views in the months reported."""

    page: Page
    views: int
    this_month: int


def _readable(user) -> list:
    """Conditions for pages `user` may see in statistics: live, published, in an area they may see."""
    conditions = [Page.deleted.is_(False), Page.published_revision_id.is_not(None)]
    hidden = hidden_areas(user)
    if hidden:
        conditions.append(Page.area_id.not_in(hidden))
    return conditions


def most_read(user, *, types: Iterable[str] | None = None, today: date | None = None,
              months: int = VIEW_MONTHS, limit: int = 20) -> list[PageRow]:
    """The pages (of `types`, if given) opened most often in the last `months` months, with this month's views."""
    today = today or dates.today()
    current = dates.month_start(today)
    total = func.sum(PageViewMonth.views)
    now = func.sum(PageViewMonth.views).filter(PageViewMonth.month == current)
    statement = (select(Page, total, now).join(PageViewMonth, PageViewMonth.page_id == Page.id)
                 .where(PageViewMonth.month >= dates.months_before(today, months - 1), *_readable(user))
                 .group_by(Page.id).order_by(total.desc(), Page.title).limit(limit))
    if types is not None:
        statement = statement.where(Page.type.in_(list(types)))
    return [PageRow(page, views or 0, this or 0) for page, views, this in db.session.execute(statement)]


def most_read_routines(user, *, today: date | None = None, limit: int = 20) -> list[PageRow]:
    """The routines opened most often in the last VIEW_MONTHS months."""
    return most_read(user, types=[PageType.ROUTINE.value], today=today, limit=limit)


def unread_pages(user, *, today: date | None = None, months: int = UNREAD_MONTHS, limit: int = 200) -> list[Page]:
    """Pages that existed before the last `months` months and nobody opened in them, least recently changed first."""
    today = today or dates.today()
    since = dates.months_before(today, months - 1)
    opened = select(PageViewMonth.page_id).where(PageViewMonth.month >= since, PageViewMonth.views > 0)
    statement = (select(Page).where(*_readable(user), Page.created_at < datetime.combine(since, datetime.min.time()),
                                    Page.id.not_in(opened))
                 .order_by(Page.updated_at, Page.title).limit(limit))
    return list(db.session.scalars(statement))


def counted_since() -> date | None:
    """The first month with a counted page view (statistics are only as old as this)."""
    return db.session.scalar(select(func.min(PageViewMonth.month)))


# --- retention -----------------------------------------------------------------------------------------

def prune(keep_days: int, now: date) -> tuple[int, int]:
    """Delete weeks of searches and months of views that ended more than `keep_days` days before `now`;
    return (search rows, view rows) deleted. The caller commits."""
    cut = now - timedelta(days=keep_days)
    searches = db.session.execute(delete(SearchWeek).where(SearchWeek.week < cut - timedelta(days=6))).rowcount
    views = db.session.execute(delete(PageViewMonth).where(PageViewMonth.month < dates.month_start(cut))).rowcount
    return searches or 0, views or 0
