"""What differs between SQLite and PostgreSQL must not reach the user (run on both; see tests/pg.py)."""
from __future__ import annotations

import pytest
from factories import make_page

from kb.models.base import INTEGER_MAX

BEYOND = INTEGER_MAX + 1  # fits SQLite's integers, not PostgreSQL's INTEGER columns


@pytest.mark.parametrize("path", [
    f"/aktiviteter/{BEYOND}", f"/ordlista/{BEYOND}/historik", f"/bilagor/{BEYOND}",
    f"/sida/sip/version/{BEYOND}", f"/sida/sip/jamfor?till={BEYOND}", f"/sida/sip/jamfor?fran={BEYOND}",
    f"/aktiviteter/{10**20}",
])
def test_numbers_beyond_an_integer_column_are_simply_not_found(app, client, path):
    """Does an id or version number no database column can hold give 404 rather than a server error?"""
    with app.app_context():
        make_page("Samordnad individuell plan", "SIP.\n", slug="sip")
    assert client.get(path).status_code == 404


def test_a_nul_character_never_breaks_a_save_a_login_or_a_lookup(app, client, anon):
    """Is text with a NUL character (which PostgreSQL refuses) saved, and are lookups with one answered?"""
    resp = client.post("/ordlista/ny", data={"term": "NUL", "expansion": "Noll\x00tecken",
                                             "description": "Med\x00 ett nolltecken."})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    listing = client.get("/ordlista").get_data(as_text=True)
    assert "Noll" in listing and "tecken" in listing
    assert anon.get("/sida/sip%00").status_code == 404
    refused = anon.post("/logga-in", data={"username": "redaktor\x00", "password": "fel lösenord"})
    assert refused.status_code == 401 and "Fel användarnamn eller lösenord" in refused.get_data(as_text=True)
