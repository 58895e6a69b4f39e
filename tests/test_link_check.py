"""Broken external links: `kb links check` against a real local HTTP server, and the list under
Granskning."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from factories import make_app, make_page

from kb.extensions import db
from kb.models import LinkCheck
from kb.models.base import utcnow
from kb.services import link_check, pages


class Handler(BaseHTTPRequestHandler):
    """/ok 200, /borta 404, /flyttad → /ok, /bara-get 405 on HEAD, /trasig 500, /seg sleeps."""

    seen: list[tuple[str, str, str]] = []  # noqa: RUF012 - shared by the test server's threads

    def _answer(self, method: str) -> None:
        Handler.seen.append((method, self.path, self.headers.get("User-Agent", "")))
        path = self.path.split("?")[0]
        if path == "/flyttad":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif path == "/bara-get" and method == "HEAD":
            self.send_response(405)
        elif path in ("/ok", "/bara-get"):
            self.send_response(200)
        elif path == "/seg":
            time.sleep(2)
            self.send_response(200)
        elif path == "/trasig":
            self.send_response(500)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):  # noqa: N802 - http.server's naming
        self._answer("HEAD")

    def do_GET(self):  # noqa: N802
        self._answer("GET")

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture
def web():
    """A real HTTP server on a free loopback port, stopped after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def linked(tmp_path, web):
    """An app allowed to ask loopback addresses, with pages linking to the server's paths."""
    app = make_app(tmp_path / "instance", LINKS_ALLOW_PRIVATE=True, LINKS_TIMEOUT=1.0)
    with app.app_context():
        make_page("Länksida", f"[Fungerar]({web}/ok) och [borta]({web}/borta) och [flyttad]({web}/flyttad).\n"
                              f"[Bara GET]({web}/bara-get), [trasig]({web}/trasig#avsnitt), [seg]({web}/seg).\n"
                              "Se också [[sida-som-saknas|en sida som saknas]].\n", slug="lanksida")
        make_page("Andra sidan", f"Också [borta]({web}/borta).\n", slug="andra-sidan")
    return app


def test_links_check_finds_the_broken_links_and_lists_them(linked, web):
    """Does `kb links check` report 404, 500 and a timeout as broken, follow redirects, retry HEAD-refusers
    with GET, and say it politely who is asking?"""
    result = linked.test_cli_runner().invoke(args=["links", "check"])
    assert result.exit_code == 0, result.output
    assert "Kontrollerade länkar: 6. Trasiga: 3." in result.output
    assert f"404  {web}/borta" in result.output and "andra-sidan, lanksida" in result.output
    assert f"500  {web}/trasig" in result.output
    assert f"Inget svar inom tidsgränsen  {web}/seg" in result.output
    assert ("GET", "/bara-get", link_check.USER_AGENT) in Handler.seen
    assert all(agent == link_check.USER_AGENT for _, _, agent in Handler.seen)
    with linked.app_context():
        rows = {r.url: r for r in db.session.query(LinkCheck)}
        assert not rows[f"{web}/flyttad"].broken and rows[f"{web}/flyttad"].status == 200
        assert not rows[f"{web}/bara-get"].broken
        assert f"{web}/trasig" in rows  # the fragment is not part of the address


def test_broken_since_is_kept_while_a_link_stays_broken_and_cleared_when_it_works(linked, web):
    """Does "trasig sedan" stay at the first failure, and does a fixed page drop its link from the list?"""
    with linked.app_context():
        link_check.run(now=utcnow() - timedelta(days=8))
        first = db.session.query(LinkCheck).filter_by(url=f"{web}/borta").one().broken_since
        assert link_check.due()
        link_check.run()
        assert db.session.query(LinkCheck).filter_by(url=f"{web}/borta").one().broken_since == first
        assert not link_check.due()
        for slug in ("lanksida", "andra-sidan"):
            page = pages.get(slug)
            data = pages.PageData(title=page.title, type=page.type, source="Inga länkar nu.\n")
            pages.update_page(page, data, base_revision=page.revision_number, author="testare")
        link_check.run()
        assert db.session.query(LinkCheck).count() == 0


def test_private_addresses_are_never_asked_unless_allowed(tmp_path, web):
    """Without KB_LINKS_ALLOW_PRIVATE, is a link to a loopback address (or a name resolving to one)
    left unasked and reported as such?"""
    app = make_app(tmp_path / "instance")
    with app.app_context():
        make_page("Intern länk", f"[Intern]({web}/ok) och [localhost](http://localhost:9/x).\n")
    result = app.test_cli_runner().invoke(args=["links", "check"])
    assert result.exit_code == 0, result.output
    assert Handler.seen == []
    assert "Adressen är privat eller lokal och kontrolleras inte" in result.output
    assert "2 länkar går till privata eller lokala adresser" in result.output


def test_granskning_lists_broken_links_and_missing_pages_for_editors(linked, web):
    """Does Granskning show the broken links with their pages and the links to pages that don't exist?"""
    with linked.app_context():
        link_check.run()
    from factories import login

    editor = login(linked, "redaktor", "redaktör")
    html = editor.get("/granskning").get_data(as_text=True)
    assert "Trasiga länkar (3)" in html
    assert f"{web}/borta" in html and "HTTP 404" in html and "Inget svar inom tidsgränsen" in html
    assert f"{web}/flyttad" not in html
    assert 'href="/ny?slug=sida-som-saknas"' in html and "Skapa sidan ”sida-som-saknas”" in html


def test_notify_checks_links_once_a_week(linked):
    """Does `kb notify` run the link check when a week has passed, and not on every run?"""
    runner = linked.test_cli_runner()
    first = runner.invoke(args=["notify", "--no-mail"])
    assert "Veckans länkkontroll: 6 länkar, 3 trasiga" in first.output
    second = runner.invoke(args=["notify", "--no-mail"])
    assert "Veckans länkkontroll" not in second.output


@pytest.mark.parametrize("html, expected", [
    ('<a href="https://a.se/x#y">a</a><a href="https://a.se/x">b</a>', ["https://a.se/x"]),
    ('<a href="mailto:a@b.se">m</a><a href="/sida/x">i</a><a href="ftp://x">f</a>', []),
    ('<a href="HTTP://A.SE/">a</a>', ["HTTP://A.SE/"]),
])
def test_only_web_addresses_are_collected(html, expected):
    """Are mail, internal and other links left out, and one address with two fragments asked once?"""
    assert link_check.external_links(html) == expected
