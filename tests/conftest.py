"""Fixtures: an app on a temporary instance per test, a client that sends CSRF tokens, a CLI runner."""
from __future__ import annotations

import pytest
from factories import login, make_app


@pytest.fixture
def app(tmp_path):
    """An app with an empty, initialised instance."""
    return make_app(tmp_path / "instance")


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
