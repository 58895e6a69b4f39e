"""Fixtures: an app on a temporary instance per test, a client that sends CSRF tokens, a CLI runner."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kb import create_app
from kb.cli import init_instance

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


@pytest.fixture
def app(tmp_path):
    """An app with an empty, initialised instance."""
    return make_app(tmp_path / "instance")


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


@pytest.fixture
def anon(app):
    """A test client for an anonymous visitor."""
    return app.test_client()


@pytest.fixture
def client(app):
    """A test client logged in as an editor (redaktör)."""
    return login(app, "redaktor", "redaktör")


@pytest.fixture
def admin(app):
    """A test client logged in as an administrator."""
    return login(app, "admin", "administratör")


@pytest.fixture
def runner(app):
    """A CLI runner for the app's `kb` commands."""
    return app.test_cli_runner()



@pytest.fixture
def demo_app(tmp_path):
    """An app loaded with the demo content."""
    from kb.cli import demo_folder
    from kb.services import transfer

    app = make_app(tmp_path / "instance")
    with app.app_context():
        report = transfer.import_folder(demo_folder(), author="demo")
        assert not report.errors, report.errors
    return app
