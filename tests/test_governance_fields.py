"""Governance fields on routines: approver, "Gäller för", review interval and valid-until date."""
from __future__ import annotations

from datetime import timedelta

import pytest
from governance_helpers import account, edit, routine
from test_transfer import dirs_equal

from kb import dates, index, typed
from kb.constants import Role
from kb.exceptions import ValidationError
from kb.services import governance, organisations, pages, transfer


def form(**fields):
    """New-routine form data with routine fields (prefixed as the edit form sends them)."""
    data = {"title": "Rutin med fält", "type": "routine", "source": "Text", "save": "Spara"}
    data.update({f"routine-{k}": v for k, v in fields.items()})
    return data


def test_the_approver_must_be_a_faststallare_or_administrator(app, client):
    """Is an approver who is missing, or only an editor, refused; a fastställare accepted?"""
    with app.app_context():
        account("ed", Role.EDITOR)
        account("anna", Role.APPROVER)
    for name in ("finns-inte", "ed"):
        resp = client.post("/ny", data=form(approver=name))
        assert resp.status_code == 422 and "fastställare eller administratör" in resp.get_data(as_text=True)
    assert client.post("/ny", data=form(approver="anna")).status_code == 302
    with app.app_context():
        assert pages.get("rutin-med-falt").current.fields["approver"] == "anna"
    html = client.get("/ny?typ=routine").get_data(as_text=True)
    assert '<option value="anna">anna</option>' in html and '"ed"' not in html


def test_applies_to_takes_organisations_from_the_list(app, client):
    """Are organisations chosen from the list stored by key and shown by name; unknown ones refused?"""
    resp = client.post("/ny", data=form(applies_to=["lerums-kommun", "narhalsan"]))
    assert resp.status_code == 302
    with app.app_context():
        assert pages.get("rutin-med-falt").current.fields["applies_to"] == ["lerums-kommun", "narhalsan"]
        with pytest.raises(ValidationError) as exc:
            pages.clean(pages.PageData(title="X", type="routine", fields={"applies_to": ["Okänd kommun"]}))
        assert "okänd organisation" in exc.value.errors["fields.applies_to"]
        loose = {"applies_to": ["alingsås KOMMUN"]}
        data = pages.clean(pages.PageData(title="X", type="routine", fields=loose))
        assert data.fields["applies_to"] == ["alingsas-kommun"]


def test_review_interval_is_a_number_of_months(app):
    """Is an interval outside 1–120 months refused?"""
    with app.app_context():
        for bad in ("0", "121", "två år"):
            with pytest.raises(ValidationError) as exc:
                pages.clean(pages.PageData(title="X", type="routine", fields={"review_interval": bad}))
            assert "1 till 120" in exc.value.errors["fields.review_interval"]


def test_valid_until_is_computed_from_the_approval_and_can_be_set(app):
    """Is valid-until the approval date plus the interval, unless the editor set a date of their own?"""
    today = dates.today()
    with app.app_context():
        page = routine("Tolv månader", review_interval=12)
        assert page.fields["valid_until"] == typed.add_months(today, 12).isoformat()
        assert "valid_until" not in page.published.fields  # the revision keeps what the editor wrote
        default = routine("Standard")
        assert default.fields["valid_until"] == typed.add_months(today, 24).isoformat()
        own = routine("Eget datum", valid_until="2030-06-30")
        assert own.fields["valid_until"] == "2030-06-30"
        edit(own, "Ny text.\n")  # the date left as it was: a new approval starts a new period
        account("godkannare", Role.APPROVER)
        governance.approve(own, actor="godkannare", comment="Ny text")
        assert own.fields["valid_until"] == typed.add_months(today, 24).isoformat()


def test_fact_box_shows_the_governance_fields(app, anon):
    """Does the fact box name the approver, the organisations, the interval and the date in Swedish?"""
    with app.app_context():
        account("anna", Role.APPROVER)
        routine("Faktarutin", approver="anna", applies_to=["lerums-kommun", "vastra-gotalandsregionen"],
                review_interval=12, valid_until="2031-03-31", slug="faktarutin")
    html = anon.get("/sida/faktarutin").get_data(as_text=True)
    for text in ("Fastställare", "anna", "Gäller för", "Lerums kommun", "Västra Götalandsregionen",
                 "12 månader", "Giltig till", "31 mars 2031"):
        assert text in html, text


def test_organisations_are_edited_by_administrators(app, admin, anon):
    """Can an administrator add, rename and retire organisations, with pages following the new name?"""
    with app.app_context():
        routine("Lerumsrutin", applies_to=["lerums-kommun"], slug="lerumsrutin")
    resp = admin.post("/admin/organisationer", data={"name": "Lerums kommun"})
    assert resp.status_code == 422 and "finns redan" in resp.get_data(as_text=True)
    assert admin.post("/admin/organisationer", data={"name": "Habiliteringen"}).status_code == 302
    renamed = admin.post("/admin/organisationer/lerums-kommun/namn", data={"name": "Lerum kommun"})
    assert renamed.status_code == 302
    assert "Lerum kommun" in anon.get("/sida/lerumsrutin").get_data(as_text=True)
    admin.post("/admin/organisationer/lerums-kommun/avveckla", data={})
    html = admin.get("/admin/organisationer").get_data(as_text=True)
    assert "Habiliteringen" in html and "Avvecklad" in html
    with app.app_context():
        assert "lerums-kommun" not in [o.key for o in organisations.active()]
        assert organisations.get("lerums-kommun").retired
        names = organisations.name_by_key()  # retired ones too, by their new names
        assert names["lerums-kommun"] == "Lerum kommun" and names["habiliteringen"] == "Habiliteringen"
    new_form = admin.get("/ny?typ=routine").get_data(as_text=True)
    assert 'value="lerums-kommun"' not in new_form and 'value="habiliteringen"' in new_form
    edit_form = admin.get("/sida/lerumsrutin/redigera").get_data(as_text=True)
    assert 'value="lerums-kommun"' in edit_form and "(avvecklad)" in edit_form


def test_search_filters_by_applies_to(app, anon):
    """Do /sok?galler_for= and /api/search?applies_to= keep only routines for that organisation?"""
    with app.app_context():
        routine("Utskrivning Lerum", "Utskrivning från sjukhus.\n", applies_to=["lerums-kommun"])
        routine("Utskrivning Alingsås", "Utskrivning från sjukhus.\n", applies_to=["alingsas-kommun"])
        assert index.search("utskrivning").total == 2
    html = anon.get("/sok?q=utskrivning&galler_for=lerums-kommun").get_data(as_text=True)
    assert "Utskrivning Lerum" in html and "Utskrivning Alingsås" not in html
    assert "som gäller för Lerums kommun" in html and "Gäller för" in html
    found = anon.get("/api/search?q=utskrivning&applies_to=Alingsås kommun").get_json()
    assert [r["title"] for r in found["results"]] == ["Utskrivning Alingsås"]
    assert found["results"][0]["applies_to"] == ["alingsas-kommun"]
    assert anon.get("/api/search?q=utskrivning&applies_to=finns-inte").get_json()["total"] == 0


def test_governance_fields_round_trip_through_export_and_import(app, tmp_path):
    """Do approver, organisations, interval, validity and the approval travel and come back identical?"""
    from factories import make_app

    with app.app_context():
        account("anna", Role.APPROVER)
        organisations.create("Habiliteringen")
        page = routine("SIP", "Text.\n", slug="sip", approver="anna", review_interval=12,
                       applies_to=["habiliteringen", "narhalsan"])
        edit(page, "Utkast som inte exporteras.\n")
        routine("Utkastrutin", "Aldrig fastställd.\n", approved=False, slug="utkastrutin")
        report = transfer.export_folder(tmp_path / "e1")
    assert report.drafts_left_out == 1 and "1 utkast" in report.summary()
    text = (tmp_path / "e1" / "sip.md").read_text(encoding="utf-8")
    for line in ("approver: anna", "applies_to: [habiliteringen, narhalsan]", "review_interval: 12",
                 "approved_by: godkannare", "approved_at: '", "approval_comment: Ny rutin."):
        assert line in text, line
    assert "Utkast som inte exporteras" not in text
    assert "state: draft" in (tmp_path / "e1" / "utkastrutin.md").read_text(encoding="utf-8")
    assert "habiliteringen" in (tmp_path / "e1" / "organisations.yaml").read_text(encoding="utf-8")
    other = make_app(tmp_path / "b")
    with other.app_context():
        assert not transfer.import_folder(tmp_path / "e1").errors
        sip = pages.get("sip")
        assert sip.published.approved_by == "godkannare"
        assert sip.fields["applies_to"] == ["habiliteringen", "narhalsan"]
        assert not pages.get("utkastrutin").is_published
        transfer.export_folder(tmp_path / "e2")
        assert transfer.import_folder(tmp_path / "e1").unchanged  # nothing new on a second import
    assert dirs_equal(tmp_path / "e1", tmp_path / "e2")


def test_import_approves_by_the_front_matter_or_the_importer(app, tmp_path):
    """Is a routine approved by approved_by/approved_at, else by the importer; state: draft kept a draft?"""
    folder = tmp_path / "in"
    folder.mkdir()
    head = "---\ntitle: {t}\ntype: routine\n{extra}---\nText\n"
    (folder / "a.md").write_text(head.format(t="A", extra="approved_by: anna\napproved_at: 2025-03-01\n"
                                             "review_by: '2027-03-01'\n"), encoding="utf-8")
    (folder / "b.md").write_text(head.format(t="B", extra=""), encoding="utf-8")
    (folder / "c.md").write_text(head.format(t="C", extra="state: draft\n"), encoding="utf-8")
    (folder / "d.md").write_text(head.format(t="D", extra="approved_at: förra året\n"), encoding="utf-8")
    with app.app_context():
        report = transfer.import_folder(folder, author="importen")
        assert [name for name, _ in report.errors] == ["d.md"] and "inget datum" in report.errors[0][1]
        a, b, c = pages.get("a"), pages.get("b"), pages.get("c")
        assert a.published.approved_by == "anna"
        assert dates.local_date(a.published.approved_at).isoformat() == "2025-03-01"
        assert a.fields["valid_until"] == "2027-03-01"  # the old name review_by is read as valid_until
        assert b.published.approved_by == "importen" and not c.is_published


def test_reviews_due_lists_routines_near_or_past_their_date(app):
    """Does reviews_due give the routines a user answers for, within N days or past, expired first?"""
    today = dates.today()
    with app.app_context():
        account("anna", Role.APPROVER)
        account("ed", Role.EDITOR)
        routine("Gått ut", valid_until=(today - timedelta(days=3)).isoformat())
        routine("Snart", valid_until=(today + timedelta(days=20)).isoformat(), approver="anna")
        routine("Sen", valid_until=(today + timedelta(days=200)).isoformat())
        from kb.services import users

        anna, ed = users.get("anna"), users.get("ed")
        assert [p.title for p in governance.reviews_due(anna)] == ["Gått ut", "Snart"]
        assert [p.title for p in governance.reviews_due(ed)] == ["Gått ut"]  # Snart is anna's
        assert [p.title for p in governance.reviews_due(anna, within_days=365)] == ["Gått ut", "Snart", "Sen"]
