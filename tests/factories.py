"""Test helpers: apps on temporary instances, clients with CSRF tokens, pages made through services."""
from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from kb import create_app
from kb.cli import init_instance
from kb.services import pages

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class KBClient(FlaskClient):
    """A test client that adds a valid CSRF token to form POSTs, as a browser with the form would."""

    _token: str | None = None

    def csrf_token(self) -> str:
        """Fetch a token from a page with a form (tied to this client's session)."""
        if self._token is None:
            html = super().open("/logga-in").get_data(as_text=True)
            match = TOKEN_RE.search(html)
            assert match, "no CSRF token on /logga-in"
            self._token = match.group(1)
        return self._token

    def open(self, *args, **kwargs):  # noqa: D102 - FlaskClient API
        method = kwargs.get("method", "GET")
        data = kwargs.get("data")
        if method == "POST" and isinstance(data, dict) and kwargs.pop("with_csrf", True) \
                and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        kwargs.pop("with_csrf", None)
        return super().open(*args, **kwargs)


def make_app(instance: Path, **config):
    """A fresh app with an initialised instance at `instance`."""
    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True, **config})
    app.test_client_class = KBClient
    with app.app_context():
        init_instance(app)
    return app




def make_page(title: str = "Testsida", source: str = "Text.\n", type: str = "article", **kw) -> object:
    """Create a page through the page service and return it."""
    data = pages.PageData(title=title, type=type, source=source, summary=kw.pop("summary", ""),
                          tags=kw.pop("tags", []), target_groups=kw.pop("target_groups", []),
                          slug=kw.pop("slug", None))
    return pages.create_page(data, author=kw.pop("author", "testare"), comment=kw.pop("comment", ""))


def edit_page(page, source: str, author: str = "testare", **changes) -> object:
    """Save a new revision of a page with new source (and optional other fields)."""
    data = pages.PageData(title=changes.get("title", page.title), type=changes.get("type", page.type),
                          source=source, summary=changes.get("summary", page.summary),
                          tags=changes.get("tags", list(page.tags)),
                          target_groups=changes.get("target_groups", list(page.target_groups)),
                          slug=changes.get("slug"))
    return pages.update_page(page, data, base_revision=page.revision_number, author=author)


PASSWORD = "Rätt-häftig-fras-2026"


def login(app, username: str, role: str = "redaktör"):
    """A client logged in as a (new) user with this role."""
    from kb.constants import Role
    from kb.services import users

    with app.app_context():
        if users.get(username) is None:
            users.create(username, PASSWORD, Role.parse(role))
    client = app.test_client()
    resp = client.post("/logga-in", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client
