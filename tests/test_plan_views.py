"""What readers and editors see and do in the plan views: overview, plan, print, activity, page section."""
from __future__ import annotations

import re
from html import unescape

import pytest
from factories import login, make_app, make_page
from querycount import count_queries

from kb import dates
from kb.extensions import db
from kb.models import ActionPlan, Activity
from kb.services import plans

SLUG = "samordningsgruppens-aktivitetsplan-2024"


def seed_plan() -> dict:
    """Structures, pages, a collaboration plan and a plan with three activities (call in an app context)."""
    make_page("Samordningsgruppen", type="structure")
    make_page("NOSAM Lerum", type="structure")
    make_page("SIP", "Samordnad individuell plan.", type="routine")
    make_page("Mini-Maria", type="reception")
    plans.save_collaboration_plan(plans.CollaborationData(
        "Samverkansplan 2023–2026", "2023–2026", ["Öka tilliten", "Öka kontinuiteten"]))
    plan = plans.create_plan(plans.PlanData(
        "Samordningsgruppens aktivitetsplan 2024", "samordningsgruppen", "2024", adopted="2024-02-15",
        collaboration_plan="samverkansplan-2023-2026"), author="anna")
    last_year, next_year = str(dates.today().year - 1), str(dates.today().year + 1)
    late = plans.create_activity(plan, plans.ActivityData(
        goal="Öka tilliten", what="Nätverk för SIP-samordnare", how="Träffar två gånger per termin",
        decision="Beslutat i Samordningsgruppen", status="Pågår", deadline=last_year, start="nov 2023",
        responsible="samordningsgruppen", pages=["sip"], target_groups=["Äldre"],
        follow_up="Fler SIP i SAMSA"), author="anna")
    done = plans.create_activity(plan, plans.ActivityData(
        goal="Öka tilliten", what="Workshop om hemgång", status="Klart", deadline=last_year,
        responsible_text="Processledare"), author="anna")
    fresh = plans.create_activity(plan, plans.ActivityData(
        goal="Öka kontinuiteten", subgoal="Trygg hemgång", what="Kartlägga utskrivningar",
        status="Inte påbörjad", deadline=next_year, responsible="nosam-lerum",
        target_groups=["Barn och unga"]), author="anna")
    return {"plan": plan.id, "late": late.id, "done": done.id, "fresh": fresh.id}


@pytest.fixture
def data(app):
    """The seeded plan's ids."""
    with app.app_context():
        return seed_plan()


def text(response) -> str:
    """The response body with tags removed and whitespace collapsed (what a reader reads)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def main(response) -> str:
    """The <main> element's HTML."""
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def rows(response) -> list[str]:
    """The plan page's activity rows, as HTML."""
    return re.findall(r'<tr class="status-row-[^"]*">.*?</tr>', response.get_data(as_text=True), flags=re.S)


def titles(response) -> list[str]:
    """The activity titles listed in the plan's tables, in order."""
    found = re.findall(r'<td data-label="Vad" class="what"><a href="/aktiviteter/\d+">([^<]+)</a>',
                       response.get_data(as_text=True))
    return [unescape(t) for t in found]


# --- the overview -------------------------------------------------------------------------------

def test_overview_counts_each_plans_activities_per_status_in_a_table(anon, data):
    """Does the overview list the plan under its collaboration plan with counts per status and overdue?"""
    resp = anon.get("/planer")
    assert resp.status_code == 200
    html = main(resp)
    table = html[html.index('<table class="plan-counts">'):html.index("</table>")]
    assert "<caption>Antal aktiviteter per status och plan</caption>" in table
    assert "Följer" in table and 'href="/samverkansplaner/samverkansplan-2023-2026"' in table
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", table, flags=re.S).group(0)
    assert f'href="/planer/{SLUG}"' in row and "Samordningsgruppen" in row
    # Klart, Pågår, Inte påbörjad, Försenade (a link to them), Totalt
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row)
    assert [text_of(c) for c in cells] == ["1", "1", "1", "1", "3"]
    assert f'href="/planer/{SLUG}?overdue=1"' in row
    for label in ("Klart", "Pågår", "Inte påbörjad", "Försenade", "Totalt"):
        assert label in table


def test_overview_chart_is_an_image_with_a_text_alternative_and_a_legend(anon, data):
    """Is the SVG chart announced as an image whose description states the numbers, with a text legend?"""
    html = main(anon.get("/planer"))
    svg = html[html.index("<svg role=\"img\""):html.index("</svg>")]
    assert 'aria-labelledby="diagram-titel diagram-beskrivning"' in svg
    assert '<title id="diagram-titel">' in svg
    desc = re.search(r'<desc id="diagram-beskrivning">(.*?)</desc>', svg, flags=re.S).group(1)
    assert "Samordningsgruppens aktivitetsplan 2024: 3 aktiviteter – 1 klart, 1 pågår, 1 inte påbörjad, " \
           "varav 1 försenad." in unescape(desc)
    assert "style=" not in svg  # the CSP blocks style attributes
    legend = html[html.index('<ul class="chart-legend"'):]
    legend = text_of(legend[:legend.index("</ul>")])
    for item in ("Klart (grön)", "Pågår (gul, randig)", "Inte påbörjad (röd, prickig)"):
        assert item in legend


def text_of(html: str) -> str:
    """Text of an HTML fragment."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_overview_without_plans_says_so_and_offers_editors_to_create_one(app, anon, client):
    """With no plans, does a reader get a sentence instead of an empty table, and an editor a way to start?"""
    assert "Det finns inga aktivitetsplaner ännu." in text(anon.get("/planer"))
    assert "<svg" not in main(anon.get("/planer"))
    body = text(client.get("/planer"))
    assert "Skapa den första" in body and "Importera ny plan" in body


def test_collaboration_plan_shows_its_period_goals_and_plans(anon, data):
    """Does a collaboration plan show its period, its prioritised goals in order and the plans under it?"""
    resp = anon.get("/samverkansplaner/samverkansplan-2023-2026")
    body = text(resp)
    assert resp.status_code == 200
    assert "Samverkansplan 2023–2026" in body and "Period 2023–2026" in body
    assert body.index("Öka tilliten") < body.index("Öka kontinuiteten")
    assert f'href="/planer/{SLUG}"' in main(resp)
    assert "/samverkansplaner/samverkansplan-2023-2026" in main(anon.get("/planer"))


# --- the plan page ------------------------------------------------------------------------------

def test_plan_page_has_the_paper_plans_header(anon, data):
    """Does the header show title, structure, period, adopted date, last change and collaboration plan?"""
    resp = anon.get(f"/planer/{SLUG}")
    assert resp.status_code == 200
    html, body = main(resp), text(resp)
    assert "<h1>Samordningsgruppens aktivitetsplan 2024</h1>" in html
    assert 'href="/sida/samordningsgruppen"' in html
    assert "Period 2024" in body and "Fastställd 2024-02-15" in body and "Senast ändrad" in body
    assert "Samverkansplan Samverkansplan 2023–2026" in body


def test_plan_page_groups_activities_by_goal_and_subgoal_with_every_column(anon, data):
    """Are the activities under their goals (and sub-goal), with all the paper plan's columns filled in?"""
    resp = anon.get(f"/planer/{SLUG}")
    html, body = main(resp), text(resp)
    assert re.search(r"<h3 id=\"mal-1\">Öka tilliten</h3>.*<h3 id=\"mal-2\">Öka kontinuiteten</h3>.*"
                     r"<h4[^>]*>Trygg hemgång</h4>", html, flags=re.S)
    for heading in ("Vad", "Hur", "Beslut", "Ansvarig", "Start", "Slutdatum", "Uppföljning", "Status",
                    "Målgrupper", "Sidor"):
        assert f'<th scope="col">{heading}</th>' in html
    assert titles(resp) == ["Nätverk för SIP-samordnare", "Workshop om hemgång", "Kartlägga utskrivningar"]
    first = rows(resp)[0]
    assert f'href="/aktiviteter/{data["late"]}"' in first
    assert "Träffar två gånger per termin" in first and "Beslutat i Samordningsgruppen" in first
    assert 'href="/sida/samordningsgruppen">Samordningsgruppen</a>' in first
    assert "nov 2023" in first and "Fler SIP i SAMSA" in first and "Äldre" in first
    assert 'href="/sida/sip">SIP</a>' in first
    assert "Processledare" in rows(resp)[1]
    assert "3 aktiviteter" in body


def test_every_status_is_written_out_and_overdue_stands_out(anon, data):
    """Is each status shown as text (not colour alone), and only the late, unfinished one marked Försenad?"""
    resp = anon.get(f"/planer/{SLUG}")
    late, done, fresh = rows(resp)
    assert "Pågår" in text_of(late) and "Försenad" in text_of(late) and "is-overdue" in late
    assert "Klart" in text_of(done) and "Försenad" not in done  # deadline passed, but done
    assert "Inte påbörjad" in text_of(fresh) and "Försenad" not in fresh


def test_readers_see_exports_but_not_editing_tools(anon, client, data):
    """Do readers get the export and print links only, and editors also new activity, edit and import?"""
    reader = main(anon.get(f"/planer/{SLUG}"))
    for link in (f"/planer/{SLUG}/export.xlsx", f"/planer/{SLUG}/export.csv", f"/planer/{SLUG}/utskrift"):
        assert f'href="{link}"' in reader
    assert "Exportera till Excel" in reader and ">CSV<" in reader and "Utskriftsversion" in reader
    for tool in ("Ny aktivitet", "Redigera plan", "Importera", "Ta bort planen"):
        assert tool not in reader
    editor = main(client.get(f"/planer/{SLUG}"))
    for link in (f"/planer/{SLUG}/ny-aktivitet", f"/planer/{SLUG}/redigera", f"/planer/{SLUG}/importera"):
        assert f'href="{link}"' in editor


@pytest.mark.parametrize("query,expected", [
    ("status=done", ["Workshop om hemgång"]),
    ("status=Pågår", ["Nätverk för SIP-samordnare"]),
    ("goal=Öka+kontinuiteten", ["Kartlägga utskrivningar"]),
    ("target_group=Äldre", ["Nätverk för SIP-samordnare"]),
    ("responsible=NOSAM+Lerum", ["Kartlägga utskrivningar"]),
    ("responsible=Processledare", ["Workshop om hemgång"]),
    ("goal=Öka+tilliten&status=in_progress", ["Nätverk för SIP-samordnare"]),
    ("goal=Öka+tilliten&target_group=Barn+och+unga", []),
    ("overdue=1", ["Nätverk för SIP-samordnare"]),
])
def test_filters_narrow_the_list(anon, data, query, expected):
    """Does each filter (and a combination) leave only the matching activities, and say how many of all?"""
    resp = anon.get(f"/planer/{SLUG}?{query}")
    assert resp.status_code == 200
    assert titles(resp) == expected
    body = text(resp)
    assert f"{len(expected)} av 3 aktiviteter" in body
    assert "Rensa filter" in body
    if not expected:
        assert "Inga aktiviteter matchar filtret." in body


def test_filter_form_offers_the_plans_own_values_and_keeps_the_choice(anon, data):
    """Are the filter's options built from the plan's activities, with the chosen one still selected?"""
    html = main(anon.get(f"/planer/{SLUG}?responsible=NOSAM+Lerum"))
    form = html[html.index('<form method="get"'):html.index("</form>")]
    assert 'method="get"' in form and "csrf_token" not in form
    responsible = form[form.index('<select id="responsible"'):]
    responsible = responsible[:responsible.index("</select>")]
    assert re.findall(r'<option[^>]*value="([^"]*)"', responsible) == ["", "NOSAM Lerum", "Processledare",
                                                                       "Samordningsgruppen"]
    assert '<option selected value="NOSAM Lerum">' in responsible
    target = form[form.index('<select id="target_group"'):]
    assert re.findall(r'<option[^>]*value="([^"]*)"', target[:target.index("</select>")]) == \
        ["", "Barn och unga", "Äldre"]
    assert '<button type="submit">Visa</button>' in form


@pytest.mark.parametrize("query,message", [
    ("status=lila", "Okänd status ”lila”. Välj Inte påbörjad, Pågår eller Klart."),
    ("target_group=Vuxna", "Okänd målgrupp ”Vuxna”."),
])
def test_bad_filter_values_get_a_clear_message_not_an_error_page(anon, data, query, message):
    """Does a filter value that cannot mean anything say so in Swedish and still show the plan?"""
    resp = anon.get(f"/planer/{SLUG}?{query}")
    assert resp.status_code == 400
    body = text(resp)
    assert "Något behöver rättas" in body and message in body
    assert len(titles(resp)) == 3


def test_unknown_plans_and_activities_are_404(anon, client, data):
    """Do unknown or malformed addresses get the Swedish 404 page?"""
    for path in ("/planer/finns-inte", "/planer/Finns_Inte", "/planer/finns-inte/utskrift",
                 "/planer/finns-inte/historik", "/planer/finns-inte/export.csv", "/aktiviteter/9999",
                 "/samverkansplaner/finns-inte", f"/planer/{data['plan']}"):
        resp = anon.get(path)
        assert resp.status_code == 404, path
        assert "Sidan finns inte" in text(resp)
    for path in ("/planer/finns-inte/redigera", "/planer/finns-inte/ny-aktivitet",
                 "/aktiviteter/9999/redigera", "/planer/finns-inte/importera"):
        assert client.get(path).status_code == 404, path


def test_print_view_has_every_activity_with_status_text_and_no_forms(anon, data):
    """Is the print version one table of all activities by goal, with status written out and no form?"""
    resp = anon.get(f"/planer/{SLUG}/utskrift")
    html, body = main(resp), text(resp)
    assert resp.status_code == 200
    assert 'class="print-view"' in resp.get_data(as_text=True)
    assert html.count('<table class="activities print-table">') == 1
    for group in ("Mål: Öka tilliten", "Mål: Öka kontinuiteten", "Delmål: Trygg hemgång"):
        assert group in body
    for what in ("Nätverk för SIP-samordnare", "Workshop om hemgång", "Kartlägga utskrivningar"):
        assert what in body
    assert "Pågår" in body and "Klart" in body and "Inte påbörjad" in body and "Försenad" in body
    assert "3 aktiviteter:" in body and "1 försenad" in body and "Utskriven" in body
    assert "<form" not in html.replace('role="search"', "")
    assert "css/plans.css" in resp.get_data(as_text=True)


def test_print_css_hides_the_tools_and_sets_a_landscape_page():
    """Does the stylesheet print without navigation or forms, on A4 landscape, keeping the status colours?"""
    from pathlib import Path

    import kb

    css = (Path(kb.__file__).parent / "static" / "css" / "plans.css").read_text(encoding="utf-8")
    printing = css[css.index("@media print"):]
    for rule in ("size: A4 landscape", ".plan-filter", "print-color-adjust: exact"):
        assert rule in printing
    general = (Path(kb.__file__).parent / "static" / "css" / "print.css").read_text(encoding="utf-8")
    assert ".site-header" in general and "form" in general


# --- the activity page --------------------------------------------------------------------------

def test_activity_page_shows_every_field_and_its_histories(anon, data):
    """Does the activity page show all fields, the plan and linked pages, the status and both histories?"""
    resp = anon.get(f"/aktiviteter/{data['late']}")
    html, body = main(resp), text(resp)
    assert resp.status_code == 200
    assert "<h1>Nätverk för SIP-samordnare</h1>" in html
    assert f'href="/planer/{SLUG}"' in html and 'href="/sida/sip">SIP</a>' in html
    for expected in ("Mål Öka tilliten", "Hur Träffar två gånger per termin",
                     "Beslut Beslutat i Samordningsgruppen", "Ansvarig Samordningsgruppen", "Start nov 2023",
                     "Uppföljning Fler SIP i SAMSA",
                     "Målgrupper Äldre", "Status: ◐ Pågår Försenad"):
        assert expected in body, expected
    assert "Statushistorik" in body and "Historik" in body
    assert "Skapad" in body and "anna" in body
    assert "Ändra status" not in body  # readers get no form
    assert 'action="/aktiviteter/' not in html


def test_deleted_activity_page_explains_itself(client, app, data):
    """Is a deleted activity's page still readable (410) with its history and a restore button for editors?"""
    with app.app_context():
        plans.delete_activity(db.session.get(Activity, data["done"]), author="anna")
    resp = client.get(f"/aktiviteter/{data['done']}")
    assert resp.status_code == 410
    body = text(resp)
    assert "Aktiviteten är borttagen" in body and "Återskapa aktiviteten" in body and "Borttagen" in body



def test_the_end_date_is_called_slutdatum_everywhere_a_person_reads_it(anon, client, data):
    """Is an activity's end date labelled Slutdatum, never Deadline, on the plan, its print version, the
    activity page, its edit form and the page the activity concerns?"""
    activity = f"/aktiviteter/{data['late']}"
    for path, who in ((f"/planer/{SLUG}", anon), (f"/planer/{SLUG}/utskrift", anon), (activity, anon),
                      (activity + "/redigera", client), ("/sida/sip", anon)):
        body = text(who.get(path))
        assert "Slutdatum" in body and "Deadline" not in body and "deadline" not in body, path

# --- activities on pages ------------------------------------------------------------------------

def test_a_page_lists_the_activities_linked_to_it(anon, data):
    """Does the SIP routine show its activity with plan, status, deadline and the overdue badge?"""
    resp = anon.get("/sida/sip")
    html = main(resp)
    section = html[html.index('<section class="page-activities"'):]
    section = section[:section.index("</section>")]
    assert '<h2 id="sidans-aktiviteter">Aktiviteter</h2>' in section
    assert f'href="/aktiviteter/{data["late"]}">Nätverk för SIP-samordnare</a>' in section
    assert f'href="/planer/{SLUG}">Samordningsgruppens aktivitetsplan 2024</a>' in section
    words = text_of(section)
    assert "Pågår" in words and "Försenad" in words and f"Slutdatum {dates.today().year - 1}" in words
    assert "Aktivitetsplaner" not in words  # only structures have plans


def test_a_structure_page_lists_its_plans_and_the_activities_it_is_responsible_for(anon, data):
    """Does Samordningsgruppen's page show its plan and the activity it is responsible for (not others)?"""
    section = main(anon.get("/sida/samordningsgruppen"))
    section = section[section.index('<section class="page-activities"'):]
    words = text_of(section[:section.rindex("</section>")])
    assert "Aktivitetsplaner" in words and "Samordningsgruppens aktivitetsplan 2024 2024" in words
    assert "Nätverk för SIP-samordnare" in words and "Kartlägga utskrivningar" not in words
    nosam = text(anon.get("/sida/nosam-lerum"))
    # NOSAM Lerum has no plan of its own but is responsible for an activity: no "no plan" sentence above it.
    assert "Kartlägga utskrivningar" in nosam and "har ingen aktivitetsplan" not in nosam


def test_a_page_without_activities_has_no_section(anon, client, data):
    """Does a page no activity concerns stay as it was, and a structure offer editors a new plan?"""
    assert "page-activities" not in main(anon.get("/sida/mini-maria"))
    html = main(client.get("/sida/nosam-lerum"))
    assert 'href="/planer/ny?struktur=nosam-lerum"' in html


def test_page_view_queries_do_not_grow_with_its_activities(app, anon, data):
    """Does a page with many linked activities cost the same number of queries as one with one (no N+1)?"""
    one = count_queries(app, anon, "/sida/sip")
    with app.app_context():
        plan = db.session.get(ActionPlan, data["plan"])
        for n in range(6):
            plans.create_activity(plan, plans.ActivityData(
                goal=f"Mål {n}", what=f"Aktivitet {n}", pages=["sip"], responsible="nosam-lerum",
                target_groups=["Äldre"]))
    many = count_queries(app, anon, "/sida/sip")
    assert "Aktivitet 5" in text(anon.get("/sida/sip"))
    assert many == one


def test_plans_need_a_login_when_reading_is_not_public(tmp_path):
    """When reading requires a login, is an anonymous visitor sent to the login page from the plan views?"""
    private = make_app(tmp_path / "private", PUBLIC_READ=False)
    with private.app_context():
        seed_plan()
    visitor = private.test_client()
    for path in ("/planer", f"/planer/{SLUG}", "/aktiviteter/1", f"/planer/{SLUG}/export.csv"):
        resp = visitor.get(path)
        assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"], path
    reader = login(private, "lasse", "läsare")
    assert reader.get(f"/planer/{SLUG}").status_code == 200
