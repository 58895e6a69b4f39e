"""The page service: revisions, conflicts, revert, delete/restore, rename, links."""
from __future__ import annotations

import pytest
from factories import edit_page, make_page

from kb.exceptions import EditConflict, ValidationError
from kb.models import Change, Revision
from kb.services import pages


def test_slug_from_swedish_title_stays_when_title_changes(app):
    """Does a page get a slug from its Swedish title, kept when the title changes?"""
    with app.app_context():
        page = make_page("Öppettider på Mini-Maria för äldre")
        assert page.slug == "oppettider-pa-mini-maria-for-aldre"
        edit_page(page, "Ny text\n", title="Mini-Marias öppettider")
        assert page.slug == "oppettider-pa-mini-maria-for-aldre"
        assert page.title == "Mini-Marias öppettider"


def test_every_save_is_an_immutable_revision_with_cached_html(app):
    """Does each edit add a numbered revision holding source, rendered HTML and author?"""
    with app.app_context():
        page = make_page("SIP", "# Rubrik\n\nFörsta\n")
        edit_page(page, "Andra *versionen*\n", author="anna")
        revs = pages.history(page)
        assert [r.number for r in revs] == [2, 1]
        assert revs[0].author == "anna" and "<em>versionen</em>" in revs[0].html
        assert revs[1].source == "# Rubrik\n\nFörsta\n"
        assert "<em>versionen</em>" in page.html


def test_saving_unchanged_content_makes_no_revision(app):
    """Does saving the same content again leave history alone?"""
    with app.app_context():
        page = make_page("SIP", "Text\n")
        assert edit_page(page, "Text\n") is None
        assert page.revision_number == 1


def test_edit_of_the_same_line_based_on_old_revision_is_a_conflict(app):
    """Is an edit of a line someone else changed since refused instead of overwriting (the merge with
    both versions marked comes with the refusal)?"""
    with app.app_context():
        page = make_page("SIP", "Ett\n")
        edit_page(page, "Två\n")
        data = pages.PageData(title="SIP", type="article", source="Tre\n")
        with pytest.raises(EditConflict) as exc:
            pages.update_page(page, data, base_revision=1)
        assert exc.value.current == 2
        assert "Tre\n=======\nTvå\n" in exc.value.merge.data.source
        assert page.current.source == "Två\n"


def test_revert_makes_a_new_revision_with_old_content(app):
    """Does reverting copy an old revision's content into a new revision?"""
    with app.app_context():
        page = make_page("SIP", "Ett\n", summary="Första")
        edit_page(page, "Två\n", summary="Andra")
        rev = pages.revert_page(page, 1, author="bo")
        assert rev.number == 3 and rev.op == "revert"
        assert page.current.source == "Ett\n" and page.summary == "Första"


def test_delete_is_a_revision_and_restore_brings_it_back(app):
    """Is deleting recorded as a revision that can be undone, with nothing lost?"""
    with app.app_context():
        page = make_page("SIP", "Ett\n")
        pages.delete_page(page, author="bo")
        assert page.deleted and pages.history(page)[0].op == "delete"
        assert page not in pages.live_pages()
        pages.restore_page(page, author="bo")
        assert not page.deleted and page.current.source == "Ett\n"
        assert [r.op for r in pages.history(page)] == ["restore", "delete", "create"]
        assert app.extensions["sqlalchemy"].session.query(Revision).count() == 3


def test_rename_keeps_old_slug_as_alias(app):
    """Does a changed slug leave the old one resolving to the page?"""
    with app.app_context():
        page = make_page("Mini Maria", "Text\n")
        edit_page(page, "Text\n", slug="mini-maria-alingsas")
        found, redirected = pages.resolve("mini-maria")
        assert found is page and redirected
        assert page.slug == "mini-maria-alingsas"


def test_rename_to_a_taken_slug_is_refused(app):
    """Can a page take another page's address? It must not."""
    with app.app_context():
        make_page("SIP", "a\n")
        other = make_page("EVI", "b\n")
        with pytest.raises(ValidationError) as exc:
            edit_page(other, "b2\n", slug="sip")
        assert "finns redan" in exc.value.errors["slug"]


def test_backlinks_are_stored_and_missing_links_update_when_page_appears(app):
    """Are wiki links stored for backlinks, and does a missing link turn real once the page exists?"""
    with app.app_context():
        source = make_page("SIP", "Se [[Mini-Maria]] och [[evi|En väg in]].\n")
        assert 'class="wikilink missing"' in source.html
        target = make_page("Mini-Maria", "Mottagning\n")
        assert [p.slug for p in pages.backlinks(target)] == ["sip"]
        assert 'href="/sida/mini-maria"' in source.html
        assert "/ny?slug=evi" in source.html
        pages.delete_page(target)
        assert "/ny?slug=mini-maria" in source.html


def test_changes_are_logged_in_the_same_transaction(app):
    """Does each save leave a change-log row for the search index?"""
    with app.app_context():
        page = make_page("SIP", "a\n")
        edit_page(page, "b\n")
        rows = app.extensions["sqlalchemy"].session.query(Change).filter_by(entity="page", entity_id=page.id).all()
        assert len(rows) == 2


@pytest.mark.parametrize("field,data,message", [
    ("title", dict(title=""), "Ange en titel"),
    ("title", dict(title="x" * 201), "högst 200 tecken"),
    ("type", dict(type="blogg"), "Välj en sidtyp"),
    ("target_groups", dict(target_groups=["Vuxna"]), "Okänd målgrupp"),
    ("slug", dict(slug="Inte OK!"), "a–z"),
])
def test_invalid_input_gets_swedish_errors(app, field, data, message):
    """Is bad input refused with a Swedish message on the right field, saving nothing?"""
    with app.app_context():
        values = dict(title="SIP", type="routine", source="x")
        values.update(data)
        with pytest.raises(ValidationError) as exc:
            pages.create_page(pages.PageData(**values))
        assert message in exc.value.errors[field]
        assert pages.count_pages() == 0


def test_body_limit_is_configurable(tmp_path):
    """Is the body size limit taken from configuration?"""
    from factories import make_app

    app = make_app(tmp_path / "i", BODY_MAX=1000)
    with app.app_context():
        with pytest.raises(ValidationError) as exc:
            pages.create_page(pages.PageData(title="Lång", type="article", source="å" * 600))
        assert "för lång" in exc.value.errors["source"]
