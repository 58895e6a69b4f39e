"""The glossary is shared, with an optional area per term: the form, the service's checks, the list
and its ?omrade= filter, and terms of members-only areas kept from non-members."""
from __future__ import annotations

import pytest

from kb.constants import Role
from kb.exceptions import ValidationError
from kb.services import areas, glossary
from tests.factories import login, make_page, make_user


@pytest.fixture
def terms(app):
    """NOSAM GBG Sydväst (open) and LOSAM (members-only), with a term in each, one of SAMLA's and one
    for the whole region."""
    with app.app_context():
        areas.create("gbg-sydvast", "NOSAM GBG Sydväst")
        areas.create("losam", "LOSAM", members_only=True)
        glossary.create(glossary.TermData("SIP", "Samordnad individuell plan"))
        glossary.create(glossary.TermData("TG", "Temagrupp", area="gbg-sydvast"))
        glossary.create(glossary.TermData("AU", "Arbetsutskott", area="samla"))
        glossary.create(glossary.TermData("HEMLIS", "Hemlig arbetsgrupp", area="losam"))
        make_user("lena", Role.EDITOR, areas={"losam": "medlem"})
    return app


def _entries(html):
    return {t for t in ("SIP", "TG", "AU", "HEMLIS") if f'id="{t}"' in html}


def test_the_list_shows_each_terms_area(terms):
    """Does /ordlista say which area a term belongs to, with a link to the area?"""
    html = terms.test_client().get("/ordlista").get_data(as_text=True)
    assert 'Område: <a href="/omrade/gbg-sydvast">NOSAM GBG Sydväst</a>' in html


def test_area_filter_shows_the_areas_terms_and_region_wide_ones(terms):
    """Does ?omrade=gbg-sydvast show GBG's terms and the region-wide ones, not SAMLA's?"""
    client = terms.test_client()
    html = client.get("/ordlista?omrade=gbg-sydvast").get_data(as_text=True)
    assert _entries(html) == {"SIP", "TG"}
    assert "2 av 3 poster gäller NOSAM GBG Sydväst eller hela regionen." in html
    assert _entries(client.get("/ordlista?omrade=samla&q=arbets").get_data(as_text=True)) == {"AU"}
    # an unknown area, or one the visitor may not see, filters nothing
    assert _entries(client.get("/ordlista?omrade=losam").get_data(as_text=True)) == {"SIP", "TG", "AU"}


def test_members_only_terms_are_hidden_from_others(terms):
    """Are LOSAM's terms left out of the list, their history and edit form for non-members, and shown
    to members?"""
    with terms.app_context():
        hidden_id = glossary.get("HEMLIS").id
    client = terms.test_client()
    html = client.get("/ordlista").get_data(as_text=True)
    assert "HEMLIS" not in html and "Hemlig arbetsgrupp" not in html and "LOSAM" not in html
    assert client.get(f"/ordlista/{hidden_id}/historik").status_code == 404
    assert login(terms, "olle", "redaktör").get(f"/ordlista/{hidden_id}/redigera").status_code == 404
    member = login(terms, "lena")
    assert _entries(member.get("/ordlista?omrade=losam").get_data(as_text=True)) == {"SIP", "HEMLIS"}
    assert member.get(f"/ordlista/{hidden_id}/historik").status_code == 200


def test_members_only_terms_give_pages_no_tooltip(terms):
    """Does a page's stored HTML explain region-wide terms but not a members-only area's?"""
    with terms.app_context():
        page = make_page("Möte", "SIP och HEMLIS möts.\n")
        assert 'title="Samordnad individuell plan"' in page.html
        assert "Hemlig arbetsgrupp" not in page.html


def test_edit_form_offers_areas_and_saves_the_choice(terms):
    """Can an editor move a term to an area and back to the whole region through the form?"""
    client = login(terms, "olle", "redaktör")
    with terms.app_context():
        row = glossary.get("SIP")
        term_id, number = row.id, row.revision_number
    form = client.get(f"/ordlista/{term_id}/redigera").get_data(as_text=True)
    assert '<option selected value="">Hela regionen</option>' in form
    assert '<option value="gbg-sydvast">NOSAM GBG Sydväst</option>' in form
    assert "losam" not in form
    resp = client.post(f"/ordlista/{term_id}/redigera", data={
        "term": "SIP", "expansion": "Samordnad individuell plan", "area": "gbg-sydvast",
        "base_revision": number, "csrf_token": client.csrf_token()})
    assert resp.status_code == 302
    with terms.app_context():
        assert glossary.get("SIP").area.key == "gbg-sydvast"
        assert glossary.get("SIP").revision_number == number + 1


@pytest.mark.parametrize("key", ["finns-inte", "losam"])
def test_unknown_or_hidden_area_is_a_field_error(terms, key):
    """Is an unknown area, or a members-only one the editor is no member of, an error at the field
    (in Swedish, and without saving)?"""
    client = login(terms, "olle", "redaktör")
    resp = client.post("/ordlista/ny", data={"term": "NOP", "expansion": "Nätverk", "area": key,
                                             "csrf_token": client.csrf_token()})
    assert resp.status_code == 422
    assert f"Det finns inget område ”{key}”" in resp.get_data(as_text=True)
    with terms.app_context():
        assert glossary.get("NOP") is None


def test_service_checks_the_area(terms):
    """Does the service refuse an unknown key in clean(), a hidden area for a user and a retired area
    for a term not already there – and keep the area when the data names none?"""
    with terms.app_context():
        with pytest.raises(ValidationError) as err:
            glossary.clean(glossary.TermData("X", "Y", area="nej"))
        assert set(err.value.errors) == {"area"}
        outsider = make_user("utomstående", Role.EDITOR)
        with pytest.raises(ValidationError):
            glossary.create(glossary.TermData("NOP", "Nätverk", area="losam"), user=outsider)
        areas.update("gbg-sydvast", retired=True)
        with pytest.raises(ValidationError) as err:
            glossary.create(glossary.TermData("NOP", "Nätverk", area="gbg-sydvast"))
        assert "avvecklat" in err.value.errors["area"]
        row = glossary.get("TG")
        glossary.update(row, glossary.TermData("TG", "Temagrupper"), base_revision=row.revision_number)
        assert glossary.get("TG").area.key == "gbg-sydvast"  # area=None keeps it, retired or not
        _, changed = glossary.upsert(glossary.TermData("TG", "Temagrupper", area=""))
        assert changed and glossary.get("TG").area_id is None
