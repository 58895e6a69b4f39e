"""The site's icon: /favicon.ico answers, and every page links kb's own."""
from __future__ import annotations

import re

import pytest
from factories import make_app


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
