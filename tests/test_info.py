"""The information pages and the site's icon: the accessibility statement says whom to tell about a
barrier and how to complain to Digg; /favicon.ico answers."""
from __future__ import annotations

import re

import pytest
from factories import make_app

from kb import config as kbconfig

DIGG_FORM = "https://www.digg.se/tdosanmalan"


def footer(html: str) -> str:
    """The page's footer."""
    return html[html.index('<footer class="site-footer">'):]


def test_the_contact_address_is_read_from_kb_contact_email():
    """Does KB_CONTACT_EMAIL set the address visitors are shown (without stray spaces)?"""
    assert kbconfig.env_overrides({"KB_CONTACT_EMAIL": " kunskapsbanken@lerum.se "}) == {
        "CONTACT_EMAIL": "kunskapsbanken@lerum.se"}


def test_with_a_contact_address_the_statement_and_every_footer_name_it(tmp_path):
    """With KB_CONTACT_EMAIL set, does /tillganglighet tell a visitor to write there, link Digg's form for
    reporting a lack of accessibility, and does the footer of every page show the address?"""
    app = make_app(tmp_path / "instance", CONTACT_EMAIL="kunskapsbanken@lerum.se")
    client = app.test_client()
    html = client.get("/tillganglighet").get_data(as_text=True)
    report = html[html.index('id="rapportera"'):html.index("<h2>Hur vi testat")]
    assert 'Skicka e-post till <a href="mailto:kunskapsbanken@lerum.se">kunskapsbanken@lerum.se</a>.' in report
    assert "administratören" not in report
    assert f'<a href="{DIGG_FORM}">anmäla bristande tillgänglighet till Digg</a>' in report
    assert "DOS-lagen" in report
    for path in ("/", "/tillganglighet", "/logga-in"):
        assert 'href="mailto:kunskapsbanken@lerum.se"' in footer(client.get(path).get_data(as_text=True)), path


def test_without_a_contact_address_the_statement_sends_visitors_to_the_administrator(app, anon):
    """Without KB_CONTACT_EMAIL, does the statement say clearly to contact the installation's administrator,
    still with Digg's form, and show no empty e-mail link anywhere?"""
    html = anon.get("/tillganglighet").get_data(as_text=True)
    report = html[html.index('id="rapportera"'):html.index("<h2>Hur vi testat")]
    text = " ".join(re.sub(r"<[^>]+>", " ", report).split())
    assert "Kontakta administratören för den här installationen av kunskapsbanken" in text
    assert f'href="{DIGG_FORM}"' in report
    assert "mailto:" not in html


@pytest.mark.parametrize("public_read", [True, False])
def test_the_icon_is_served_at_favicon_ico_and_linked_from_every_page(tmp_path, public_read):
    """Does /favicon.ico answer with an icon (also before logging in where reading needs a login), and does
    every page link the icon from kb's own static files?"""
    app = make_app(tmp_path / "instance", PUBLIC_READ=public_read)
    client = app.test_client()
    with client.get("/favicon.ico") as resp:  # a file response: closed when done
        assert resp.status_code == 200 and resp.content_type == "image/vnd.microsoft.icon"
        assert resp.data[:4] == b"\x00\x00\x01\x00"  # an .ico file
    html = client.get("/logga-in").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg(\?v=\w+)?" type="image/svg\+xml">', html)
    with client.get("/static/favicon.svg") as resp:
        assert resp.status_code == 200 and b"<svg" in resp.data
