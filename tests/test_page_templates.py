"""Page templates, as administrators and editors meet them: own templates for every area or one area
(/admin/mallar), the default filled in on "Ny sida" (the area's, else every area's, else the built-in
one), choosing a template there without JavaScript, and who may change which templates."""
from __future__ import annotations

import html
import re

import pytest
from factories import login, make_user
from sqlalchemy import select

from kb import typed
from kb.constants import AuditAction
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import AuditEvent, PageTemplate
from kb.services import areas, page_templates, users
from kb.services.page_templates import TemplateData

GBG = "gbg-sydvast"
SAMLA = "samla"
MEETING = "## Närvarande\n\n\n## Beslut\n\n\n## Nästa möte\n"
SHORT_ROUTINE = "## Så här gör du\n\n1. \n\n## Ansvar\n"


@pytest.fixture
def app(app):
    """SAMLA and NOSAM GBG Sydväst; an area administrator of each, an editor and a reader."""
    with app.app_context():
        areas.create(GBG, "NOSAM GBG Sydväst")
        make_user("omr-gbg", "läsare", areas={GBG: "områdesadministratör"})
        make_user("omr-samla", "läsare", areas={SAMLA: "områdesadministratör"})
        make_user("red-gbg", "läsare", areas={GBG: "redaktör"})
    return app


def create(data: TemplateData, by: str | None = None) -> PageTemplate:
    """Create a template as the user `by` (None: a command)."""
    return page_templates.create(data, by=users.get(by) if by else None)


def options(body: str, field_id: str = "template") -> list[tuple[str, str]]:
    """The (value, label) options of a select on a page (the Mall select on Ny sida)."""
    select_html = re.search(rf'<select[^>]*id="{field_id}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return [(v, html.unescape(label)) for v, label in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_html)]


def textarea(body: str, field_id: str = "source") -> str:
    """The text in a textarea of a page."""
    found = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>\r?\n?(.*?)</textarea>', body, re.S)
    return html.unescape(found.group(1))


# --- the service ----------------------------------------------------------------------------------

def test_default_comes_from_the_area_then_every_area_then_the_built_in_one(app):
    """Does "Ny sida" start a routine with the area's default, else the default for every area, else
    the built-in skeleton?"""
    with app.app_context():
        gbg, samla = areas.get(GBG).id, areas.get(SAMLA).id
        assert page_templates.default_source("routine", gbg) == typed.TEMPLATES["routine"]
        create(TemplateData(name="Rutin – kort", type="routine", source=SHORT_ROUTINE, is_default=True))
        assert page_templates.default_source("routine", gbg) == SHORT_ROUTINE
        create(TemplateData(name="Rutin GBG", type="routine", source="## GBG\n", area=GBG, is_default=True))
        assert page_templates.default_source("routine", gbg) == "## GBG\n"
        assert page_templates.default_source("routine", samla) == SHORT_ROUTINE
        assert page_templates.default_source("article", gbg) == ""


def test_a_new_default_replaces_the_old_one_in_the_same_place(app):
    """Is there only one default per type and area, and does the audit log say which one was replaced?"""
    with app.app_context():
        first = create(TemplateData(name="Rutin – kort", type="routine", source=SHORT_ROUTINE, is_default=True))
        second = create(TemplateData(name="Rutin – lång", type="routine", source="## Lång\n", is_default=True))
        assert (db.session.get(PageTemplate, first.id).is_default_for_type, second.is_default_for_type) == (False, True)
        details = db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == AuditAction.TEMPLATE_SAVED.value)).all()
        assert any("ersatt av ”Rutin – lång”" in d for d in details)


def test_choices_list_the_types_templates_for_the_area(app):
    """Does the Mall list offer the standard, the type's own templates for the area (not other areas'
    and not retired ones) and an empty page?"""
    with app.app_context():
        create(TemplateData(name="Mötesanteckningar", type="article", source=MEETING))
        create(TemplateData(name="Protokoll GBG", type="article", source="## P\n", area=GBG))
        create(TemplateData(name="Rutin – kort", type="routine", source=SHORT_ROUTINE))
        old = create(TemplateData(name="Gammal", type="article", source="x\n"))
        page_templates.retire(old)
        labels = [label for _, label in page_templates.choices("article", areas.get(SAMLA).id)]
        assert labels == ["Standard för artikel", "Mötesanteckningar", "Ingen mall (tom sida)"]
        labels = [label for _, label in page_templates.choices("article", areas.get(GBG).id)]
        assert labels == ["Standard för artikel", "Mötesanteckningar", "Protokoll GBG", "Ingen mall (tom sida)"]


@pytest.mark.parametrize(("data", "field", "message"), [
    (TemplateData(name="", type="article"), "name", "Ange mallens namn"),
    (TemplateData(name="x" * 101, type="article"), "name", "högst 100 tecken"),
    (TemplateData(name="Mall", type="recept"), "type", "Välj en sidtyp"),
    (TemplateData(name="Mall", type="article", area="finns-inte"), "area", "Det finns inget område"),
    (TemplateData(name="Mall", type="article", source="Patient 19121212-1212 ringde."), "source",
     "patientuppgifter"),
    (TemplateData(name="Mall 19121212-1212", type="article"), "name", "patientuppgifter"),
])
def test_a_refused_template_says_why_in_swedish_and_saves_nothing(app, data, field, message):
    """Is a template without a name, with a too long name, an unknown type or area, or a personnummer
    refused at the right field, with nothing saved?"""
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            create(data)
        assert message in refused.value.errors[field]
        assert db.session.scalars(select(PageTemplate)).all() == []


def test_too_long_text_is_refused(app):
    """Is a template longer than a page may be refused?"""
    app.config["BODY_MAX"] = 1000
    with app.app_context(), pytest.raises(ValidationError) as refused:
        create(TemplateData(name="Lång", type="article", source="x" * 2000))
    assert "för lång" in refused.value.errors["source"]


def test_names_are_unique_per_area_among_active_templates(app):
    """Is a second active "Mötesanteckningar" in the same place refused, while the same name in another
    area, or after the first was retired, is fine; and can the retired one not come back then?"""
    with app.app_context():
        first = create(TemplateData(name="Mötesanteckningar", type="article", source=MEETING))
        with pytest.raises(ValidationError) as refused:
            create(TemplateData(name="mötesanteckningar", type="routine"))
        assert "finns redan en mall som heter" in refused.value.errors["name"]
        create(TemplateData(name="Mötesanteckningar", type="article", area=GBG))
        page_templates.retire(first)
        create(TemplateData(name="Mötesanteckningar", type="article", source="## Ny\n"))
        with pytest.raises(ValidationError) as refused:
            page_templates.restore(first)
        assert "finns redan" in refused.value.errors["name"]
        assert db.session.get(PageTemplate, first.id).retired


def test_retire_and_restore_are_audited_and_nothing_is_deleted(app):
    """Does retiring hide a template from "Ny sida" (keeping the row), restoring bring it back, and
    the audit log record both with who did it?"""
    with app.app_context():
        template = create(TemplateData(name="Mötesanteckningar", type="article", source=MEETING, area=GBG),
                          by="omr-gbg")
        gbg = areas.get(GBG).id
        page_templates.retire(template, by=users.get("omr-gbg"))
        assert page_templates.available("article", gbg) == []
        assert db.session.get(PageTemplate, template.id) is not None
        page_templates.restore(template, by=users.get("omr-gbg"))
        assert [t.name for t in page_templates.available("article", gbg)] == ["Mötesanteckningar"]
        events = db.session.execute(select(AuditEvent.action, AuditEvent.actor).where(
            AuditEvent.action.like("template.%")).order_by(AuditEvent.id)).all()
        assert [tuple(e) for e in events] == [("template.saved", "omr-gbg"), ("template.retired", "omr-gbg"),
                                              ("template.restored", "omr-gbg")]


def test_an_area_administrator_changes_only_their_own_areas_templates(app):
    """May an area administrator of GBG add and change GBG's templates, but not SAMLA's or those for
    every area, and may an editor or a reader change none?"""
    with app.app_context():
        mine = create(TemplateData(name="GBG", type="article", area=GBG), by="omr-gbg")
        assert mine.area_id == areas.get(GBG).id
        for data in (TemplateData(name="SAMLA", type="article", area=SAMLA),
                     TemplateData(name="Alla", type="article")):
            with pytest.raises(ValidationError) as refused:
                create(data, by="omr-gbg")
            assert "Du har inte behörighet" in refused.value.errors["area"]
        theirs = create(TemplateData(name="SAMLA", type="article", area=SAMLA), by="omr-samla")
        with pytest.raises(ValidationError):
            page_templates.update(theirs, TemplateData(name="SAMLA", type="article", area=GBG), by=users.get("omr-gbg"))
        with pytest.raises(ValidationError):  # moving one's own template away from one's areas
            page_templates.update(mine, TemplateData(name="GBG", type="article", area=SAMLA), by=users.get("omr-gbg"))
        for username in ("red-gbg", "lasare"):
            if users.get(username) is None:
                make_user(username, "läsare")
            with pytest.raises(ValidationError):
                create(TemplateData(name="Min", type="article", area=GBG), by=username)


# --- the administration pages ---------------------------------------------------------------------

def test_administrator_adds_a_template_in_the_browser_form(app, admin):
    """Can an administrator add "Mötesanteckningar" for every area through /admin/mallar/ny, and see
    it in the list with the built-in templates as the fallback?"""
    form = admin.get("/admin/mallar/ny").get_data(as_text=True)
    assert ("", "Alla områden") in options(form, "area") and "Standardmall för sidtypen" in form
    resp = admin.post("/admin/mallar/ny", data={"name": "Mötesanteckningar", "type": "article", "area": "",
                                                 "source": MEETING})
    assert resp.status_code == 302
    listing = admin.get("/admin/mallar").get_data(as_text=True)
    assert "Mötesanteckningar" in listing and "Inbyggda mallar" in listing and "## Syfte" in listing
    with app.app_context():
        template = db.session.scalar(select(PageTemplate))
        assert (template.name, template.area_id, template.created_by) == ("Mötesanteckningar", None, "admin")


def test_area_administrator_edits_retires_and_restores_in_the_browser_form(app):
    """Can GBG's area administrator make their template the default, retire it (Ny sida stops offering it)
    and bring it back, all through the pages?"""
    with app.app_context():
        template = create(TemplateData(name="Protokoll", type="article", source="## P\n", area=GBG)).id
    client = login(app, "omr-gbg")
    form = html.unescape(client.get(f"/admin/mallar/{template}").get_data(as_text=True))
    assert 'value="Protokoll"' in form and textarea(form) == "## P\n"
    resp = client.post(f"/admin/mallar/{template}", data={"name": "Protokoll", "type": "article", "area": GBG,
                                                          "is_default": "y", "source": "## Protokoll\n"})
    assert resp.status_code == 302
    editor = login(app, "red-gbg")
    assert textarea(editor.get("/ny?typ=article").get_data(as_text=True)) == "## Protokoll\n"
    assert client.post(f"/admin/mallar/{template}/ta-bort", data={}).status_code == 302
    body = editor.get("/ny?typ=article").get_data(as_text=True)
    assert textarea(body) == "" and "Protokoll" not in [label for _, label in options(body)]
    listing = html.unescape(client.get("/admin/mallar").get_data(as_text=True))
    assert "Borttagen" in listing and "Återinför" in listing
    assert client.post(f"/admin/mallar/{template}/aterinfor", data={}).status_code == 302
    assert textarea(editor.get("/ny?typ=article").get_data(as_text=True)) == "## Protokoll\n"


def test_errors_are_shown_at_the_fields_and_nothing_is_saved(app, admin):
    """Does a template without a name and with a personnummer come back with both errors, the text kept?"""
    resp = admin.post("/admin/mallar/ny", data={"name": "", "type": "article", "area": "",
                                                 "source": "Ring 19121212-1212."})
    body = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 422
    assert "Ange mallens namn" in body and "patientuppgifter" in body
    assert "Ring 19121212-1212." in textarea(body)
    with app.app_context():
        assert db.session.scalars(select(PageTemplate)).all() == []


def test_area_administrator_sees_and_edits_only_their_areas_templates(app):
    """Does GBG's area administrator see GBG's and every area's templates (the latter read-only), not
    SAMLA's, and get 403 on SAMLA's template?"""
    with app.app_context():
        every = create(TemplateData(name="Mötesanteckningar", type="article")).id
        create(TemplateData(name="Protokoll GBG", type="article", area=GBG))
        samla = create(TemplateData(name="SAMLA-mall", type="article", area=SAMLA)).id
    client = login(app, "omr-gbg")
    listing = html.unescape(client.get("/admin/mallar").get_data(as_text=True))
    assert "Protokoll GBG" in listing and "Mötesanteckningar" in listing and "SAMLA-mall" not in listing
    assert "Sköts av en administratör" in listing
    assert client.get(f"/admin/mallar/{samla}").status_code == 403
    assert client.get(f"/admin/mallar/{every}").status_code == 403
    form = client.get("/admin/mallar/ny").get_data(as_text=True)
    assert options(form, "area") == [(GBG, "NOSAM GBG Sydväst")]
    resp = client.post("/admin/mallar/ny", data={"name": "Ny GBG", "type": "routine", "area": SAMLA,
                                                  "source": ""})
    assert resp.status_code == 422 and "Du har inte behörighet" in html.unescape(resp.get_data(as_text=True))


def test_editors_and_readers_do_not_reach_the_template_pages(app):
    """Are an editor and a reader refused the template pages (403)?"""
    with app.app_context():
        make_user("lasare", "läsare")
    for username in ("red-gbg", "lasare"):
        client = login(app, username)
        assert client.get("/admin/mallar").status_code == 403
        assert client.post("/admin/mallar/ny", data={"name": "X", "type": "article"}).status_code == 403


# --- Ny sida --------------------------------------------------------------------------------------

@pytest.mark.parametrize("typ", ["routine", "rutin", "Rutin"])
def test_ny_with_typ_still_fills_the_built_in_routine_template(app, admin, typ):
    """Does /ny?typ=routine (or the Swedish name) still start with the built-in routine skeleton?"""
    body = admin.get(f"/ny?typ={typ}").get_data(as_text=True)
    assert textarea(body) == typed.TEMPLATES["routine"]
    assert options(body)[0] == ("standard", "Standard för rutin")


def test_ny_with_mall_fills_an_own_template(app, admin):
    """Does /ny?typ=article&mall=ID start with that template, listed by name in Mall?"""
    with app.app_context():
        template = create(TemplateData(name="Mötesanteckningar", type="article", source=MEETING)).id
    body = admin.get(f"/ny?typ=article&mall={template}").get_data(as_text=True)
    assert textarea(body) == MEETING
    assert (str(template), "Mötesanteckningar") in options(body)
    assert options(body)[-1] == ("ingen", "Ingen mall (tom sida)")
    # The templates for the script, as data it does not execute.
    assert '<script type="application/json" id="mall-data">' in body


def test_use_template_without_javascript_fills_the_text_and_keeps_the_title(app, admin):
    """Without JavaScript, does "Använd mallen" send the form back with the template's text and the
    title, summary and type kept, and nothing saved?"""
    with app.app_context():
        template = create(TemplateData(name="Rutin – kort", type="routine", source=SHORT_ROUTINE)).id
    resp = admin.post("/ny", data={"title": "Min rutin", "type": "routine", "summary": "Kort om rutinen.",
                                   "template": str(template), "source": typed.TEMPLATES["article"],
                                   "use_template": "Använd mallen"})
    body = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 200
    assert textarea(body) == SHORT_ROUTINE
    assert 'value="Min rutin"' in body and "Kort om rutinen." in body
    assert 'selected value="routine"' in body
    with app.app_context():
        from kb.services import pages
        assert pages.get("min-rutin") is None


def test_use_template_without_javascript_never_overwrites_own_text(app, admin):
    """Does "Använd mallen" (which Enter in a field may press without JavaScript) leave text the user
    wrote alone and say how to replace it?"""
    resp = admin.post("/ny", data={"title": "Min rutin", "type": "routine", "template": "standard",
                                   "source": "Min egen text.", "use_template": "Använd mallen"})
    body = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 422
    assert textarea(body).strip() == "Min egen text."
    assert "Töm textrutan" in body


def test_a_template_of_another_area_is_not_offered_or_filled(app):
    """Does an editor in GBG get neither SAMLA's template in the list nor its text by its id?"""
    with app.app_context():
        samla = create(TemplateData(name="SAMLA-mall", type="article", source="## SAMLA\n", area=SAMLA)).id
    client = login(app, "red-gbg")
    body = client.get(f"/ny?typ=article&mall={samla}").get_data(as_text=True)
    assert "SAMLA-mall" not in body and "## SAMLA" not in body
    assert textarea(body) == ""


# --- export, import and the demo --------------------------------------------------------------------

def test_export_and_import_carry_the_active_templates(app, tmp_path):
    """Does `kb export` write the active templates to templates/ (not retired ones), and does `kb import`
    of that folder into a new instance bring them back with their area and default?"""
    from factories import make_app

    from kb.services import transfer

    with app.app_context():
        create(TemplateData(name="Mötesanteckningar", type="article", source=MEETING))
        create(TemplateData(name="Rutin GBG", type="routine", source=SHORT_ROUTINE, area=GBG, is_default=True))
        page_templates.retire(create(TemplateData(name="Gammal", type="article", source="x\n")))
        report = transfer.export_folder(tmp_path / "ut")
    assert report.templates == 2 and "2 sidmallar" in report.summary()
    files = sorted(p.name for p in (tmp_path / "ut" / "templates").iterdir())
    assert files == ["alla-motesanteckningar.md", "gbg-sydvast-rutin-gbg.md"]
    other = make_app(tmp_path / "annan")
    with other.app_context():
        imported = transfer.import_folder(tmp_path / "ut")
        assert not imported.errors and imported.templates_changed == 2
        rows = {t.name: t for t in db.session.scalars(select(PageTemplate))}
        assert rows["Mötesanteckningar"].source == MEETING and rows["Mötesanteckningar"].area_id is None
        assert rows["Rutin GBG"].area_id == areas.get(GBG).id and rows["Rutin GBG"].is_default_for_type
        again = transfer.import_folder(tmp_path / "ut")
        assert again.templates_changed == 0 and len(db.session.scalars(select(PageTemplate)).all()) == 2


def test_a_bad_template_file_is_reported_and_the_rest_imported(app, tmp_path):
    """Is a template file with a personnummer or without a name reported by name, and the others imported?"""
    from kb.services import template_folder

    folder = tmp_path / "in" / "templates"
    folder.mkdir(parents=True)
    (folder / "bra.md").write_text("---\nname: Bra\ntype: article\n---\n## Text\n", encoding="utf-8")
    (folder / "pnr.md").write_text("---\nname: Pnr\ntype: article\n---\nRing 19121212-1212\n", encoding="utf-8")
    (folder / "utan.md").write_text("---\ntype: article\n---\nx\n", encoding="utf-8")
    with app.app_context():
        report = template_folder.import_folder(tmp_path / "in")
        assert report.changed == 1
        assert [(where, "patientuppgifter" in why or "saknar name" in why) for where, why in report.errors] == [
            ("templates/pnr.md", True), ("templates/utan.md", True)]
        assert [t.name for t in db.session.scalars(select(PageTemplate))] == ["Bra"]


def test_the_demo_offers_meeting_notes_and_a_short_routine(demo_app):
    """After `kb demo`, does an editor on Ny sida find "Mötesanteckningar" for articles and "Rutin – kort"
    for routines?"""
    client = login(demo_app, "demo-redaktor")
    article = options(client.get("/ny?typ=article").get_data(as_text=True))
    routine = options(client.get("/ny?typ=routine").get_data(as_text=True))
    assert "Mötesanteckningar" in [label for _, label in article]
    assert "Rutin – kort" in [label for _, label in routine]
