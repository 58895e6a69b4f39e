"""Typed pages: structured fields, fact box, review dates, the organisation chart, the orientation path."""
from __future__ import annotations

from datetime import timedelta

import pytest
from factories import login

from kb import dates
from kb.constants import PageType
from kb.exceptions import ValidationError
from kb.services import pages, structure, transfer


def create(title, type, fields=None, source="Text\n", slug=None):
    """Create a page with structured fields through the service (approved, if its type needs that)."""
    approval = pages.Approval(by="testare") if pages.requires_approval(type) else None
    data = pages.PageData(title=title, type=type, source=source, fields=fields or {}, slug=slug)
    return pages.create_page(data, approval=approval)


def test_fields_are_validated_per_type(app):
    """Are invalid dates, statuses and numbers refused with Swedish messages?"""
    with app.app_context():
        with pytest.raises(ValidationError) as exc:
            create("Rutin", "routine", {"valid_from": "2026-02-30", "status": "kanske"})
        assert "inte ett giltigt datum" in exc.value.errors["fields.valid_from"]
        assert "en av: gällande" in exc.value.errors["fields.status"]
        with pytest.raises(ValidationError) as exc:
            create("Intro", "orientation", {"position": "första"})
        assert "heltal" in exc.value.errors["fields.position"]


def test_parent_must_be_a_structure_and_not_a_cycle(app):
    """Is a parent that is missing, not a structure, or creates a cycle refused?"""
    with app.app_context():
        top = create("SAMLA", "structure")
        mid = create("NOSAM", "structure", {"parent": "samla"})
        create("Mini-Maria", "reception")
        with pytest.raises(ValidationError) as exc:
            create("X", "structure", {"parent": "finns-inte"})
        assert "ingen struktursida" in exc.value.errors["fields.parent"]
        with pytest.raises(ValidationError):
            create("Y", "structure", {"parent": "mini-maria"})
        data = pages.PageData(title="SAMLA", type="structure", source="Text\n", fields={"parent": mid.slug})
        with pytest.raises(ValidationError) as exc:
            pages.update_page(top, data, base_revision=top.revision_number)
        assert "cirkel" in exc.value.errors["fields.parent"]


def test_fact_box_chart_and_children(app, anon):
    """Does a structure page show its parent and children, and the chart nest them as links?"""
    with app.app_context():
        create("SAMLA", "structure", {"mandate": "Samverkan i två kommuner"})
        create("NOSAM Lerum", "structure", {"parent": "samla", "meeting_rhythm": "3 timmar var 5–6:e vecka"})
        create("SIP", "routine", {"owner": "nosam-lerum", "status": "gällande"})
    html = anon.get("/sida/nosam-lerum").get_data(as_text=True)
    assert "Fakta om strukturen" in html and 'href="/sida/samla">SAMLA</a>' in html
    assert "3 timmar var 5–6:e vecka" in html and "Rutiner som NOSAM Lerum äger" in html
    assert "Grupper under SAMLA" in anon.get("/sida/samla").get_data(as_text=True)
    chart = anon.get("/struktur").get_data(as_text=True)
    outer = chart.index('href="/sida/samla"')
    inner = chart.index('href="/sida/nosam-lerum"')
    assert outer < inner and "<ul>" in chart[outer:inner]


def test_reception_fact_box_shows_hours(app, anon):
    """Can a reader find Mini-Maria's opening and phone hours in the fact box?"""
    with app.app_context():
        create("Mini-Maria", "reception", {"opening_hours": "Tisdag och torsdag 8–16",
                                            "phone_hours": "Måndag 13–16\nTisdag–fredag 8–16", "opened": "2022-10-04"})
    html = anon.get("/sida/mini-maria").get_data(as_text=True)
    assert "Öppettider" in html and "Tisdag och torsdag 8–16" in html
    assert "Måndag 13–16<br>Tisdag–fredag 8–16" in html and "4 oktober 2022" in html


def test_review_dates_marked_and_listed(app, anon):
    """Are expired and soon-expiring routines marked on their page and listed by date?"""
    today = dates.today()
    with app.app_context():
        create("Gammal rutin", "routine", {"valid_until": (today - timedelta(days=10)).isoformat()})
        create("Snart rutin", "routine", {"valid_until": (today + timedelta(days=30)).isoformat()})
        create("Ny rutin", "routine", {"valid_until": (today + timedelta(days=300)).isoformat()})
    assert "Giltighetstiden gick ut" in anon.get("/sida/gammal-rutin").get_data(as_text=True)
    assert "Ska granskas snart" in anon.get("/sida/snart-rutin").get_data(as_text=True)
    fresh = anon.get("/sida/ny-rutin").get_data(as_text=True)
    assert "Giltighetstiden gick ut" not in fresh and "Ska granskas snart" not in fresh
    listing = anon.get("/att-revidera").get_data(as_text=True)
    assert listing.index("Gammal rutin") < listing.index("Snart rutin") and "Ny rutin" not in listing
    assert "Giltighetstiden har gått ut" in listing and "Går ut snart" in listing


def test_fields_round_trip_through_export_and_import(app, tmp_path):
    """Are structured fields exported in the front matter and imported back identically?"""
    with app.app_context():
        create("SAMLA", "structure", {"members": ["Lerums kommun", "Alingsås kommun"], "mandate": "Rad 1\nRad 2"})
        create("SIP", "routine", {"owner": "samla", "valid_from": "2025-01-01", "valid_until": "2027-01-01",
                                  "status": "gällande", "related": ["[[samla]]", "https://www.1177.se/"]})
        transfer.export_folder(tmp_path / "e1")
    text = (tmp_path / "e1" / "sip.md").read_text(encoding="utf-8")
    assert "owner: samla" in text and "valid_until: '2027-01-01'" in text and "approved_by: testare" in text
    from factories import make_app

    other = make_app(tmp_path / "b")
    with other.app_context():
        assert not transfer.import_folder(tmp_path / "e1").errors
        assert pages.get("samla").fields["mandate"] == "Rad 1\nRad 2"
        transfer.export_folder(tmp_path / "e2")
    assert text == (tmp_path / "e2" / "sip.md").read_text(encoding="utf-8")


def test_import_refuses_bad_fields_and_unknown_parents(app, tmp_path):
    """Does an import name files with invalid fields or unknown parents and import the rest?"""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: A\ntype: structure\nparent: finns-inte\n---\n", encoding="utf-8")
    (folder / "b.md").write_text("---\ntitle: B\ntype: routine\nvalid_until: 2026-99-01\n---\n", encoding="utf-8")
    (folder / "c.md").write_text("---\ntitle: C\ntype: structure\nparent: d\n---\n", encoding="utf-8")
    (folder / "d.md").write_text("---\ntitle: D\ntype: structure\n---\n", encoding="utf-8")
    with app.app_context():
        report = transfer.import_folder(folder)
        errors = dict(report.errors)
        assert set(errors) == {"a.md", "b.md"} and "ingen struktursida" in errors["a.md"]
        assert pages.get("c").fields["parent"] == "d"


def test_new_page_starts_from_the_type_template(client):
    """Does a new routine start with the routine headings and empty fact fields?"""
    html = client.get("/ny?typ=routine").get_data(as_text=True)
    assert "## Så här gör du" in html and "Giltig till" in html and "Gäller för" in html


def test_edit_form_saves_fields_and_reports_errors(client, app):
    """Can an editor set fields in the edit form, and is an invalid date refused with the text kept?"""
    data = {"title": "Mini-Maria", "type": "reception", "source": "Mottagning", "save": "Spara",
            "reception-opening_hours": "Tisdag 8–16", "reception-opened": "2022-10-04"}
    assert client.post("/ny", data=data).status_code == 302
    with app.app_context():
        assert pages.get("mini-maria").fields == {"opening_hours": "Tisdag 8–16", "opened": "2022-10-04"}
    bad = client.post("/ny", data={**data, "title": "Annan", "reception-opened": "4 okt"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "inte ett giltigt datum" in html and "Tisdag 8–16" in html


def test_orientation_path_with_read_marks(app):
    """Does an orientation page show its place in the path, prev/next, and a user's read progress?"""
    with app.app_context():
        create("Ny i samverkan", "orientation", {"position": 1})
        create("God och nära vård", "orientation", {"position": 2})
        create("Samverkansplanen", "orientation", {"position": 3})
    client = login(app, "nyanstalld", "läsare")
    html = client.get("/sida/god-och-nara-vard").get_data(as_text=True)
    assert "steg 2 av 3" in html and 'rel="prev" href="/sida/ny-i-samverkan"' in html
    assert 'rel="next" href="/sida/samverkansplanen"' in html and "Du har läst 0 av 3" in html
    client.post("/sida/god-och-nara-vard/last", data={"read": "1"})
    html = client.get("/sida/ny-i-samverkan").get_data(as_text=True)
    assert "Du har läst 1 av 3" in html and "(läst)" in html
    assert app.test_client().post("/sida/ny-i-samverkan/last", data={}).status_code in (302, 400)


def test_demo_uses_every_field(demo_app):
    """Do demo structures have parents, receptions hours, and routines owners and review dates?"""
    with demo_app.app_context():
        by_type = pages.pages_by_type()
        structures = [p for p in by_type[PageType.STRUCTURE] if p.slug != "samla"]
        assert structures and sum(1 for p in structures if p.fields.get("parent")) >= len(structures) - 2
        assert all(p.fields.get("opening_hours") for p in by_type[PageType.RECEPTION])
        routines = by_type[PageType.ROUTINE]
        assert all(p.fields.get("owner") and p.fields.get("valid_until") and p.fields.get("applies_to")
                   for p in routines)
        states = {d.state for d in structure.review_list()}
        assert states == {"overdue"}


def test_structured_fields_are_searchable(app):
    """Does a search find a reception by words that stand only in its fact fields?"""
    from kb import index

    with app.app_context():
        create("Mottagningen", "reception", {"location": "Gemensam lokal i Alingsås", "staffing": "Socionomer"})
        results = index.search("socionomer")
        assert [h.slug for h in results.hits] == ["mottagningen"]


def test_search_results_mark_routines_due_for_review(app, anon):
    """Is a routine past its review date marked as such in search results?"""
    today = dates.today()
    with app.app_context():
        create("Utskrivningsrutin", "routine", {"valid_until": (today - timedelta(days=5)).isoformat()})
        create("Inskrivningsrutin", "routine", {"valid_until": (today + timedelta(days=500)).isoformat()})
    html = anon.get("/sok?q=utskrivningsrutin").get_data(as_text=True)
    assert "Giltighetstiden har gått ut" in html
    assert "Giltighetstiden har gått ut" not in anon.get("/sok?q=inskrivningsrutin").get_data(as_text=True)
