"""Two people edit the same page at once: different parts are merged, the same part is a conflict."""
from __future__ import annotations

import html
import re

import pytest
from factories import edit_page, make_app, make_page

from kb.exceptions import ConflictError, EditConflict, ValidationError
from kb.extensions import db
from kb.models import Revision
from kb.services import pages
from kb.services.pages import merging

TEXT = "## Syfte\n\nStycke ett.\n\nStycke två.\n\nStycke tre.\n"


def edit_from(page, base: int, author: str = "bo", comment: str = "", **changes):
    """Save an edit the way an editor who opened the form at revision `base` would."""
    rev = pages.get_revision(page, base)
    data = pages.PageData(title=changes.pop("title", rev.title), type=changes.pop("type", rev.type),
                          source=changes.pop("source", rev.source), summary=changes.pop("summary", rev.summary),
                          tags=changes.pop("tags", list(rev.tags)),
                          target_groups=changes.pop("target_groups", list(rev.target_groups)),
                          fields=changes.pop("fields", dict(rev.fields)), slug=changes.pop("slug", None))
    assert not changes, changes
    return pages.update_page(page, data, base_revision=base, author=author, comment=comment)


# --- the service ----------------------------------------------------------------------------------

def test_edits_of_different_paragraphs_are_merged_into_one_revision(app):
    """Anna changes the first paragraph and saves; Bo, who started before, changes the third: is the
    page saved with both changes, and does the revision say it was merged?"""
    with app.app_context():
        page = make_page("SIP", TEXT)
        edit_page(page, TEXT.replace("Stycke ett.", "Stycke ett, av Anna."), author="anna")
        rev = edit_from(page, 1, source=TEXT.replace("Stycke tre.", "Stycke tre, av Bo."), comment="Bos rättelse")
        assert rev.number == 3 and rev.author == "bo"
        assert page.current.source == TEXT.replace("Stycke ett.", "Stycke ett, av Anna.").replace(
            "Stycke tre.", "Stycke tre, av Bo.")
        assert rev.comment == "Bos rättelse (sammanfogad med version 2)"
        assert "Stycke ett, av Anna." in page.html and "Stycke tre, av Bo." in page.html


def test_overlapping_edits_are_a_conflict_with_both_versions_marked_and_nothing_saved(app):
    """If Anna and Bo both changed the second paragraph, is the save refused with a merge that keeps
    Bo's other change and marks both versions of the paragraph?"""
    with app.app_context():
        page = make_page("SIP", TEXT)
        edit_page(page, TEXT.replace("Stycke två.", "Stycke två, av Anna."), author="anna")
        mine = TEXT.replace("Stycke två.", "Stycke två, av Bo.").replace("Stycke tre.", "Stycke tre, av Bo.")
        with pytest.raises(EditConflict) as exc:
            edit_from(page, 1, source=mine)
        assert isinstance(exc.value, ConflictError) and exc.value.current == 2
        merge = exc.value.merge
        assert merge.conflicts == 1 and merge.fields == {}
        assert merge.data.source == ("## Syfte\n\nStycke ett.\n\n"
                                     "<<<<<<< Din version (krock 1)\nStycke två, av Bo.\n=======\n"
                                     "Stycke två, av Anna.\n>>>>>>> Deras version (version 2)\n\n"
                                     "Stycke tre, av Bo.\n")
        assert page.revision_number == 2 and db.session.query(Revision).count() == 2


def test_metadata_takes_each_persons_change_and_both_changing_one_field_differently_is_a_conflict(app):
    """Anna changes the summary, the tags and the opening hours; Bo the title and the tags: is the title
    Bo's and the summary and opening hours Anna's, with only the tags in conflict?"""
    with app.app_context():
        page = make_page("Mini-Maria", TEXT, type="reception", summary="Mottagning.", tags=["unga"])
        anna = pages.PageData(title="Mini-Maria", type="reception", source=TEXT, summary="Mottagning för unga.",
                              tags=["unga", "beroende"], fields={"opening_hours": "Tisdagar 8–16"})
        pages.update_page(page, anna, base_revision=1, author="anna")
        with pytest.raises(EditConflict) as exc:
            edit_from(page, 1, title="Mini-Maria Göteborg", tags=["unga", "alkohol"])
        merge = exc.value.merge
        assert merge.conflicts == 0 and merge.fields == {"tags": "unga, beroende"}
        assert merge.data.title == "Mini-Maria Göteborg" and merge.data.summary == "Mottagning för unga."
        assert merge.data.fields == {"opening_hours": "Tisdagar 8–16"}
        assert merge.data.tags == ["unga", "alkohol"]  # the user's value stays, for the user to decide

        rev = edit_from(page, 1, title="Mini-Maria Göteborg", fields={"location": "Storgatan 1"})
        assert rev.title == "Mini-Maria Göteborg" and rev.summary == "Mottagning för unga."
        assert rev.tags == ["unga", "beroende"]
        assert rev.fields == {"opening_hours": "Tisdagar 8–16", "location": "Storgatan 1"}


def test_the_same_change_by_both_is_no_conflict(app):
    """If Bo made exactly the change Anna already saved (and another), does his save go through?"""
    with app.app_context():
        page = make_page("SIP", TEXT, tags=["sip"])
        edit_page(page, TEXT.replace("Stycke två.", "Stycke 2."), author="anna", tags=["sip", "barn"])
        rev = edit_from(page, 1, source=TEXT.replace("Stycke två.", "Stycke 2.").replace("Stycke ett.", "Ett."),
                        tags=["sip", "barn"])
        assert rev.source == TEXT.replace("Stycke två.", "Stycke 2.").replace("Stycke ett.", "Ett.")


def test_a_rename_saved_meanwhile_is_kept(app):
    """Anna moved the page to a new address; Bo's form still had the old one. Does his merged save keep
    Anna's address instead of moving the page back?"""
    with app.app_context():
        page = make_page("SIP", TEXT)
        edit_page(page, TEXT, author="anna", slug="sip-barn", summary="Ny sammanfattning")
        edit_from(page, 1, source=TEXT.replace("Stycke tre.", "Tre."), slug="sip")
        assert page.slug == "sip-barn" and page.current.source.endswith("Tre.\n")


def test_drafts_of_a_routine_under_approval_merge_too(app):
    """Anna saved a draft of an approved routine; Bo started from the approved version. Is his save a
    new draft holding both changes, while readers still see the approved text?"""
    with app.app_context():
        page = make_page("Utskrivning", TEXT, type="routine")
        edit_page(page, TEXT.replace("Stycke ett.", "Ett, av Anna."), author="anna", approved=False)
        rev = edit_from(page, 1, source=TEXT.replace("Stycke tre.", "Tre, av Bo."))
        assert rev.state == "draft" and rev.number == 3
        assert rev.source == TEXT.replace("Stycke ett.", "Ett, av Anna.").replace("Stycke tre.", "Tre, av Bo.")
        assert rev.comment == "Sammanfogad med version 2"
        assert page.published.number == 1 and "Stycke ett." in page.html


def test_an_unknown_base_revision_is_still_a_plain_conflict(app):
    """With no base revision to merge from (an edit form without one), is the save refused as before?"""
    with app.app_context():
        page = make_page("SIP", TEXT)
        edit_page(page, TEXT + "\nMer.\n")
        data = pages.PageData(title="SIP", type="article", source="Annat.\n")
        with pytest.raises(ConflictError) as exc:
            pages.update_page(page, data, base_revision=0)
        assert not isinstance(exc.value, EditConflict)
        assert page.current.source == TEXT + "\nMer.\n"


def test_a_text_that_still_holds_conflict_markers_is_refused(app):
    """Can a text with unresolved conflict markers never be saved, while a heading underlined with
    ======= still can?"""
    with app.app_context():
        page = make_page("SIP", TEXT)
        marked = "<<<<<<< Din version (krock 1)\nMin.\n=======\nDeras.\n>>>>>>> Deras version (version 2)\n"
        with pytest.raises(ValidationError) as exc:
            edit_page(page, marked)
        assert "krockmarkeringar" in exc.value.errors["source"]
        assert page.revision_number == 1
        assert edit_page(page, "Rubrik\n=======\n\nText.\n").number == 2


def test_each_conflict_can_be_resolved_by_its_number():
    """Does choosing per conflict keep the chosen lines, both (as separate paragraphs), or leave it marked?"""
    merged = merging.merge_text("A\n\nB\n\nC\n", "A1\n\nB\n\nC1\n", "A2\n\nB\n\nC2\n", their_version=4)
    assert merged.conflicts == 2 and merging.conflict_numbers(merged.text) == [1, 2]
    assert merging.resolve(merged.text, {1: "mine", 2: "theirs"}) == "A1\n\nB\n\nC2\n"
    assert merging.resolve(merged.text, {1: "both", 2: "mine"}) == "A1\n\nA2\n\nB\n\nC1\n"
    left = merging.resolve(merged.text, {2: "theirs"})
    assert merging.conflict_numbers(left) == [1] and left.endswith("B\n\nC2\n")
    assert merging.has_markers(left) and not merging.has_markers(merging.resolve(left, {1: "mine"}))
    from_browser = merged.text.replace("\n", "\r\n")  # a text box sends CRLF line breaks
    assert merging.conflict_numbers(from_browser) == [1, 2]
    assert merging.resolve(from_browser, {1: "mine", 2: "mine"}) == "A1\n\nB\n\nC1\n"


# --- the edit form --------------------------------------------------------------------------------

def form_for(source: str, base: int, **extra):
    """The edit form of the routine SIP as an editor sends it."""
    data = {"title": "SIP", "type": "article", "source": source, "summary": "", "tags": "", "comment": "",
            "base_revision": str(base), "save": "Spara"}
    data.update(extra)
    return data


def textarea(page_html: str) -> str:
    """The text box's content on a form page."""
    return html.unescape(re.search(r'<textarea[^>]*name="source"[^>]*>\r?\n?(.*?)</textarea>', page_html,
                                   re.S).group(1))


def test_a_second_editor_saving_another_paragraph_gets_both_changes_and_is_told(client, app):
    """Bo saves his change of the third paragraph after Anna saved hers: is the page saved with both and
    does the message say his change was merged with someone else's?"""
    with app.app_context():
        page = make_page("SIP", TEXT)
        edit_page(page, TEXT.replace("Stycke ett.", "Stycke ett, av Anna."), author="anna")
    resp = client.post("/sida/sip/redigera", data=form_for(TEXT.replace("Stycke tre.", "Stycke tre, av Bo."), 1),
                       follow_redirects=True)
    shown = resp.get_data(as_text=True)
    assert "Din ändring sammanfogades med någon annans ändring (version 2) och sparades (version 3)." in shown
    assert "Stycke ett, av Anna." in shown and "Stycke tre, av Bo." in shown
    assert "Sammanfogad med version 2" in client.get("/sida/sip/historik").get_data(as_text=True)


@pytest.fixture
def conflicting(app):
    """SIP with Anna's change to the second paragraph saved as version 2."""
    with app.app_context():
        page = make_page("SIP", TEXT)
        edit_page(page, TEXT.replace("Stycke två.", "Stycke två, av Anna."), author="anna")
    return TEXT.replace("Stycke två.", "Stycke två, av Bo.").replace("Stycke tre.", "Stycke tre, av Bo.")


def test_overlapping_changes_show_the_conflict_page_with_both_versions_marked(client, app, conflicting):
    """Bo changed the paragraph Anna changed: does he get the conflict page with both versions marked in
    the text box, his other change merged in, and a choice per conflict?"""
    resp = client.post("/sida/sip/redigera", data=form_for(conflicting, 1))
    shown = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Någon annan har sparat sidan medan du redigerade" in shown and "anna" in shown
    assert textarea(shown) == ("## Syfte\n\nStycke ett.\n\n<<<<<<< Din version (krock 1)\nStycke två, av Bo.\n"
                               "=======\nStycke två, av Anna.\n>>>>>>> Deras version (version 2)\n\n"
                               "Stycke tre, av Bo.\n")
    assert "Behåll min version av stycket" in shown and "Behåll deras" in shown
    assert 'name="base_revision" type="hidden" value="2"' in shown
    with app.app_context():
        assert pages.get("sip").revision_number == 2


def test_saving_the_marked_text_unchanged_is_refused_and_keeps_the_text(client, app, conflicting):
    """If Bo presses Spara on the conflict page without choosing, is nothing saved, with a Swedish
    error and the marked text still in the box (so Anna's paragraph is not lost)?"""
    marked = textarea(client.post("/sida/sip/redigera", data=form_for(conflicting, 1)).get_data(as_text=True))
    resp = client.post("/sida/sip/redigera", data=form_for(marked, 2, merge_base="1"))
    shown = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Texten innehåller fortfarande krockmarkeringar" in html.unescape(shown) and "Inget sparades" in shown
    assert textarea(shown) == marked and "Behåll deras" in shown
    with app.app_context():
        assert pages.get("sip").revision_number == 2
        assert pages.get("sip").current.source == TEXT.replace("Stycke två.", "Stycke två, av Anna.")


@pytest.mark.parametrize(("choice", "paragraph"), [("theirs", "Stycke två, av Anna."),
                                                   ("mine", "Stycke två, av Bo.")])
def test_choosing_a_version_of_the_conflict_saves_it_with_the_rest_merged(client, app, conflicting, choice,
                                                                          paragraph):
    """Choosing "Behåll deras" (or "Behåll min version av stycket") saves that paragraph, and Bo's other
    change too?"""
    marked = textarea(client.post("/sida/sip/redigera", data=form_for(conflicting, 1)).get_data(as_text=True))
    assert merging.conflict_numbers(marked) == [1]
    resp = client.post("/sida/sip/redigera", data=form_for(marked, 2, merge_base="1", krock_1=choice))
    assert resp.status_code == 302
    with app.app_context():
        saved = pages.get("sip").current
        assert saved.number == 3
        assert saved.source == "## Syfte\n\nStycke ett.\n\n" + paragraph + "\n\nStycke tre, av Bo.\n"


def test_editing_the_markers_away_by_hand_saves_the_text(client, app, conflicting):
    """Can Bo instead write the paragraph himself, without the markers, and save?"""
    marked = textarea(client.post("/sida/sip/redigera", data=form_for(conflicting, 1)).get_data(as_text=True))
    assert "Stycke två, av Anna.\n>>>>>>> Deras version (version 2)\n" in marked
    own = TEXT.replace("Stycke två.", "Stycke två, av Anna och Bo.")
    assert client.post("/sida/sip/redigera", data=form_for(own, 2, merge_base="1")).status_code == 302
    with app.app_context():
        assert pages.get("sip").current.source == own


def test_a_field_both_changed_is_named_on_the_conflict_page(client, app):
    """Anna and Bo both changed the title: does the conflict page say what Anna wrote, next to Bo's title?"""
    with app.app_context():
        page = make_page("SIP", TEXT)
        edit_page(page, TEXT, author="anna", title="SIP för barn")
    resp = client.post("/sida/sip/redigera", data=form_for(TEXT, 1, title="SIP för unga"))
    shown = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Någon annan ändrade också detta i version 2, till ”SIP för barn”." in shown
    assert 'name="title" type="text" value="SIP för unga"' in shown


def test_the_comment_is_optional_unless_kb_require_comment_is_on(tmp_path):
    """By default, does a save without a comment go through; with KB_REQUIRE_COMMENT on, is it refused
    with a Swedish field error (a preview is not), and does a comment let it through?"""
    from factories import login

    from kb.config import env_overrides

    assert env_overrides({"KB_REQUIRE_COMMENT": "true"})["REQUIRE_COMMENT"] is True
    for required in (False, True):
        app = make_app(tmp_path / f"instance-{required}", REQUIRE_COMMENT=required)
        with app.app_context():
            make_page("SIP", TEXT)
        client = login(app, "redaktor", "redaktör")
        resp = client.post("/sida/sip/redigera", data=form_for(TEXT + "\nNytt.\n", 1))
        if not required:
            assert resp.status_code == 302
            continue
        shown = resp.get_data(as_text=True)
        assert resp.status_code == 422 and "Skriv en kort beskrivning av ändringen" in shown
        assert "Måste fyllas i när du sparar" in client.get("/sida/sip/redigera").get_data(as_text=True)
        preview = form_for(TEXT + "\nNytt.\n", 1, preview="Förhandsgranska")
        del preview["save"]
        assert client.post("/sida/sip/redigera", data=preview).status_code == 200
        with app.app_context():
            assert pages.get("sip").revision_number == 1
        ok = client.post("/sida/sip/redigera", data=form_for(TEXT + "\nNytt.\n", 1, comment="La till en rad"))
        assert ok.status_code == 302
        with app.app_context():
            assert pages.get("sip").current.comment == "La till en rad"
