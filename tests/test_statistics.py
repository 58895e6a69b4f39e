"""Use statistics (#23): searches and page views counted without knowing who, shown at /statistik."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import login, make_app, make_page, make_user, wait_for_background_threads
from sqlalchemy import func, select

from kb import dates
from kb.extensions import db
from kb.models import PageViewMonth, SearchWeek
from kb.services import areas, retention, statistics
from kb.useragents import is_robot

BROWSER = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"}
GOOGLEBOT = {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}


@pytest.fixture
def app(tmp_path):
    """An app whose counts are written only when a test says so."""
    return make_app(tmp_path / "instance", STATS_FLUSH_SECONDS=3600, STATS_FLUSH_COUNT=10_000)


def views(app) -> dict[tuple[str, date], int]:
    """The stored views, by (page slug, month)."""
    from kb.models import Page

    with app.app_context():
        rows = db.session.execute(select(Page.slug, PageViewMonth.month, PageViewMonth.views)
                                  .join(Page, Page.id == PageViewMonth.page_id))
        return {(slug, month): n for slug, month, n in rows}


def searches(app) -> dict[str, tuple[int, int, int]]:
    """The stored searches of any week: query → (searches, zero hits, clicks)."""
    with app.app_context():
        return {r.query: (r.searches, r.zero_hits, r.clicks) for r in db.session.scalars(select(SearchWeek))}


def flush(app) -> None:
    """Write the counts waiting in memory."""
    with app.app_context():
        statistics.flush()


@pytest.mark.parametrize("agent", ["", "curl/8.5.0", "python-requests/2.32", "Googlebot/2.1", "bingbot",
                                   "Mozilla/5.0 (compatible; YandexBot/3.0)", "Slurp", "Go-http-client/1.1",
                                   "Mozilla/5.0 HeadlessChrome/120", "kube-probe/1.29", "UptimeRobot/2.0",
                                   "Pingdom.com_bot", "check_http/v2.3 (nagios-plugins)", "Wget/1.21"])
def test_robots_and_probes_are_recognised(agent):
    """Is a crawler, a command-line client or a monitoring probe told from a person?"""
    assert is_robot(agent)


@pytest.mark.parametrize("agent", [BROWSER["User-Agent"], "Mozilla/5.0 (Macintosh) Safari/605.1.15",
                                   "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"])
def test_browsers_are_people(agent):
    """Is an ordinary browser counted?"""
    assert not is_robot(agent)


# --- page views ------------------------------------------------------------------------------------

def test_page_views_are_counted_in_memory_and_written_as_one_monthly_total(app, anon):
    """Are views (also 304s and views the cookieless cache answers) counted per page and month, and does
    nothing reach the database before the counts are written?"""
    with app.app_context():
        make_page("Mini-Maria", slug="mini-maria")
        make_page("SIP", slug="sip")
    first = anon.get("/sida/mini-maria", headers=BROWSER)
    assert first.status_code == 200
    assert anon.get("/sida/mini-maria", headers=BROWSER).status_code == 200  # from the cookieless cache
    again = anon.get("/sida/mini-maria", headers={**BROWSER, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    anon.get("/sida/sip", headers=BROWSER)
    anon.head("/sida/sip", headers=BROWSER)  # not a view
    assert views(app) == {}  # nothing written during the requests
    flush(app)
    month = dates.month_start(dates.today())
    assert views(app) == {("mini-maria", month): 3, ("sip", month): 1}
    anon.get("/sida/sip", headers=BROWSER)
    flush(app)
    assert views(app)[("sip", month)] == 2  # added to the same row


def test_robots_are_not_counted(app, anon):
    """Does a crawler's or a monitoring probe's visit leave the counts alone?"""
    with app.app_context():
        make_page("SIP", slug="sip")
    for headers in (GOOGLEBOT, {"User-Agent": "curl/8.5.0"}, {"User-Agent": ""}):
        for _ in range(2):  # the second from the cookieless cache
            assert anon.get("/sida/sip", headers=headers).status_code == 200
    flush(app)
    assert views(app) == {}


def test_counts_are_written_in_the_background_once_enough_have_waited(tmp_path):
    """With STATS_FLUSH_COUNT=5, are the first four views kept in memory and the fifth written with them?"""
    app = make_app(tmp_path / "instance", STATS_FLUSH_SECONDS=3600, STATS_FLUSH_COUNT=5)
    with app.app_context():
        make_page("SIP", slug="sip")
    client = app.test_client()
    for _ in range(4):
        client.get("/sida/sip", headers=BROWSER)
    wait_for_background_threads()
    assert views(app) == {}
    client.get("/sida/sip", headers=BROWSER)
    wait_for_background_threads()
    assert views(app) == {("sip", dates.month_start(dates.today())): 5}


def test_the_history_tab_shows_views_per_month(app, anon):
    """Does a page's history show how often it was opened each month, this month's count fresh?"""
    with app.app_context():
        page = make_page("SIP", slug="sip")
        statistics.record_view(page.id, BROWSER["User-Agent"], day=dates.months_before(dates.today(), 2))
        statistics.flush()
    before = anon.get("/sida/sip/historik")
    html = before.get_data(as_text=True)
    assert "Visningar per månad" in html
    two_months_ago = dates.month_label(dates.months_before(dates.today(), 2))
    assert f'<th scope="row">{two_months_ago}</th><td class="number">1</td>' in html
    anon.get("/sida/sip", headers=BROWSER)
    flush(app)
    after = anon.get("/sida/sip/historik", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the counts changed, so the old copy is not reused
    this_month = dates.month_label(dates.today())
    assert f'<th scope="row">{this_month}</th><td class="number">1</td>' in after.get_data(as_text=True)


# --- searches --------------------------------------------------------------------------------------

def test_searches_are_stored_without_personal_data_user_or_address(app, client):
    """Are personnummer, e-mail addresses and phone numbers gone from a query before it is stored,
    and is nothing about the searcher kept?"""
    for q in ("SIP 19121212-1212", "sip 121212-1212", "Mini-Maria anna.svensson@alingsas.se",
              "ring 070-123 45 67", "ring +46 70 123 45 67", "växeln 031-123456"):
        client.get("/sok", query_string={"q": q}, headers=BROWSER)
    flush(app)
    stored = searches(app)
    assert set(stored) == {"sip [personnummer]", "mini-maria [e-post]", "ring [telefonnummer]",
                           "växeln [telefonnummer]"}
    assert stored["sip [personnummer]"][0] == 2 and stored["ring [telefonnummer]"][0] == 2
    with app.app_context():
        columns = set(SearchWeek.__table__.columns.keys())
    assert columns == {"id", "week", "query", "searches", "zero_hits", "clicks"}


def test_only_finished_searches_from_the_search_box_are_counted(app, anon):
    """Are a search's filters and later pages, the suggestions as you type and the API left out, and
    a search that found nothing marked as such?"""
    with app.app_context():
        make_page("Mini-Maria", "Mottagning för unga.\n", slug="mini-maria")
    anon.get("/sok?q=Mini-Maria", headers=BROWSER)
    anon.get("/sok?q=Mini-Maria&typ=article", headers=BROWSER)
    anon.get("/sok?q=Mini-Maria&sida=2", headers=BROWSER)
    anon.get("/sok/forslag?q=Mini", headers=BROWSER)
    anon.get("/api/search?q=Mini-Maria", headers=BROWSER)
    anon.get("/sok?q=xyzzyqwerty", headers=BROWSER)
    anon.get("/sok?q=xyzzyqwerty", headers=GOOGLEBOT)
    anon.get("/sok?q=", headers=BROWSER)
    flush(app)
    assert searches(app) == {"mini-maria": (1, 0, 0), "xyzzyqwerty": (1, 1, 0)}


def test_a_result_opened_from_the_results_page_counts_as_a_click(app, anon):
    """Does opening a result from a results page (the browser names it in Referer) count a click for
    its query, also when the cookieless cache answers, while the result links stay plain links?"""
    with app.app_context():
        make_page("Mini-Maria", "Mottagning för unga.\n", slug="mini-maria")
    html = anon.get("/sok?q=Mini-Maria", headers=BROWSER).get_data(as_text=True)
    assert '<a href="/sida/mini-maria">Mini-Maria</a>' in html
    came_from = {**BROWSER, "Referer": "http://localhost/sok?q=Mini-Maria&typ=article"}
    for _ in range(2):  # the second from the cookieless cache
        assert anon.get("/sida/mini-maria", headers=came_from).status_code == 200
    flush(app)
    assert searches(app) == {"mini-maria": (1, 0, 2)}


@pytest.mark.parametrize(("path", "referer"), [
    ("/sida/mini-maria", "https://evil.example/sok?q=Mini-Maria"),  # another site's results
    ("/sida/mini-maria", "http://localhost/sidor?q=Mini-Maria"),  # not a results page
    ("/sida/mini-maria", "http://localhost/sok"),  # no query
    ("/sidor", "http://localhost/sok?q=Mini-Maria"),  # the header's "Alla sidor", not a result
    ("/planer", "http://localhost/sok?q=Mini-Maria"),  # the plans overview, not a plan
    ("/sok?q=annat", "http://localhost/sok?q=Mini-Maria"),  # a new search
])
def test_other_requests_are_not_clicks(app, anon, path, referer):
    """Is a click counted only for a result opened from one of kb's own results pages?"""
    with app.app_context():
        make_page("Mini-Maria", "Mottagning för unga.\n", slug="mini-maria")
    anon.get(path, headers={**BROWSER, "Referer": referer})
    flush(app)
    assert all(clicks == 0 for _, _, clicks in searches(app).values())


# --- /statistik ------------------------------------------------------------------------------------

def seed_searches(app, today: date) -> None:
    """A week of searches: many for SIP (opened), some that find nothing, some nobody opens."""
    with app.app_context():
        for _ in range(5):
            statistics.record_search("SIP", 3, BROWSER["User-Agent"], day=today)
        statistics.record_click("sip", BROWSER["User-Agent"], day=today)
        for _ in range(3):
            statistics.record_search("hemtjanst lerum", 0, BROWSER["User-Agent"], day=today)
        for _ in range(2):
            statistics.record_search("demensteam", 4, BROWSER["User-Agent"], day=today)
        statistics.record_search("gammal fråga", 0, BROWSER["User-Agent"], day=today - timedelta(days=120))
        statistics.flush()


def test_editors_see_the_most_frequent_searches_and_those_without_hits_or_clicks(app, client):
    """Does /statistik list the searches of the last 90 days, each that found nothing or was never
    opened with a way to create a page or add a synonym, and leave out older weeks?"""
    seed_searches(app, dates.today())
    html = client.get("/statistik").get_data(as_text=True)
    assert "10 sökningar de senaste 90 dagarna" in html
    top = html[html.index('id="vanligaste"'):html.index('id="utan-traff"')]
    assert top.index(">sip<") < top.index(">hemtjanst lerum<") < top.index(">demensteam<")
    zero = html[html.index('id="utan-traff"'):html.index('id="utan-klick"')]
    assert ">hemtjanst lerum<" in zero and ">sip<" not in zero and ">demensteam<" not in zero
    assert 'href="/ny?title=hemtjanst+lerum"' in zero and 'href="/ordlista/ny?term=hemtjanst+lerum"' in zero
    no_click = html[html.index('id="utan-klick"'):html.index('id="sidvisningar"')]
    assert ">demensteam<" in no_click and ">sip<" not in no_click and ">hemtjanst lerum<" not in no_click
    assert "gammal fråga" not in html
    monday = dates.week_start(dates.today())
    assert f'href="/statistik?vecka={monday.isoformat()}"' in html
    week = client.get(f"/statistik?vecka={monday.isoformat()}").get_data(as_text=True)
    assert f"10 sökningar {dates.week_label(monday)}" in week
    empty = client.get(f"/statistik?vecka={(monday - timedelta(weeks=1)).isoformat()}").get_data(as_text=True)
    assert "0 sökningar" in empty and "Inga sökningar har räknats ännu." in empty
    assert 'href="/statistik"' in client.get("/granskning").get_data(as_text=True)


def test_statistik_is_for_editors_and_administrators(app, anon, admin):
    """Are anonymous visitors sent to log in and readers refused?"""
    assert anon.get("/statistik").status_code == 302
    assert login(app, "lasaren", "läsare").get("/statistik").status_code == 403
    assert admin.get("/statistik").status_code == 200


def test_page_statistics_leave_out_members_only_areas_the_user_is_not_in(app):
    """Do the most read pages and routines, and the unread list, show a members-only area's pages to
    its members only; and are pages nobody opened in six months listed?"""
    today = dates.today()
    long_ago = dates.months_before(today, 8)
    with app.app_context():
        areas.create("tg-aldre", "TG Äldre", members_only=True)
        closed = areas.require("tg-aldre")
        make_user("medlem", "läsare", areas={"tg-aldre": "redaktör"})
        make_user("utanfor", "läsare", areas={"samla": "redaktör"})
        secret = make_page("Hemlig rutin", type="routine", slug="hemlig-rutin", area_id=closed.id)
        open_routine = make_page("Öppen rutin", type="routine", slug="oppen-rutin")
        article = make_page("Artikel", slug="artikel")
        forgotten = make_page("Bortglömd", slug="bortglomd")
        from kb.models import Page
        db.session.execute(Page.__table__.update().values(created_at=long_ago))
        db.session.commit()
        for page, n in ((secret, 5), (open_routine, 3), (article, 7)):
            for _ in range(n):
                statistics.record_view(page.id, BROWSER["User-Agent"], day=today)
        statistics.record_view(forgotten.id, BROWSER["User-Agent"], day=long_ago)
        statistics.flush()
    member = login(app, "medlem").get("/statistik").get_data(as_text=True)
    outsider = login(app, "utanfor").get("/statistik").get_data(as_text=True)
    routines = member[member.index('id="mest-lasta-rutiner"'):member.index('id="olasta"')]
    assert routines.index("Hemlig rutin") < routines.index("Öppen rutin") and "Artikel" not in routines
    assert "Hemlig rutin" not in outsider and "Öppen rutin" in outsider
    unread = outsider[outsider.index('id="olasta"'):]
    assert "Bortglömd" in unread and "Artikel" not in unread and "Öppen rutin" not in unread
    assert f"sedan {dates.month_label(long_ago)}" in outsider


# --- retention -------------------------------------------------------------------------------------

def test_statistics_are_deleted_after_kb_stats_days(tmp_path):
    """Does `kb notify` delete weeks and months that ended more than KB_STATS_DAYS ago, keep the rest,
    and does /personuppgifter say so?"""
    app = make_app(tmp_path / "instance", STATS_DAYS=30, STATS_FLUSH_SECONDS=3600)
    today = dates.today()
    with app.app_context():
        page = make_page("SIP", slug="sip")
        for day in (today, today - timedelta(days=90)):
            statistics.record_search("sip", 1, BROWSER["User-Agent"], day=day)
            statistics.record_view(page.id, BROWSER["User-Agent"], day=day)
        statistics.flush()
    result = app.test_cli_runner().invoke(args=["notify", "--no-mail"])
    assert result.exit_code == 0, result.output
    assert "2 rader gammal statistik" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.min(SearchWeek.week))) == dates.week_start(today)
        assert db.session.scalar(select(func.min(PageViewMonth.month))) == dates.month_start(today)
        assert retention.prune() == retention.Pruned(0, 0, 0)
    html = app.test_client().get("/personuppgifter").get_data(as_text=True)
    assert "raderas 30 dagar efter" in html and "utan användare, nätverksadress" in html
    assert "per månad" in html
