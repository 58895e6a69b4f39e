"""Fixtures: an app on a temporary instance per test, a client that sends CSRF tokens, a CLI runner.

With KB_TEST_DATABASE_URL set (a PostgreSQL server), every instance gets its own fresh database on
that server, dropped after the test; without it the instances use SQLite files (the quick default).
"""
from __future__ import annotations

import os

import pytest
from factories import DATABASES, TEST_DATABASE_URL, login, make_app
from pg import ThrowawayPostgres, find_pg_bin, track_engines
from relevance_report import write_summary

# Real servers the sign-in tests run against: OpenLDAP's slapd and an OpenID Connect provider.
pytest_plugins = ["ldap_fixtures", "oidc_fixtures"]


def in_ci() -> bool:
    """Whether this run is CI (CI=true), where a missing PostgreSQL is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _drop_test_databases():
    """On PostgreSQL, drop the databases made during the test (those of wider fixtures stay)."""
    if DATABASES is None:
        yield
        return
    mark = len(DATABASES.created)
    yield
    DATABASES.drop_since(mark)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the search relevance figures (MRR@10 per category) when the relevance tests ran."""
    write_summary(terminalreporter, config)


def pytest_sessionfinish(session, exitstatus):
    """On PostgreSQL, drop the databases still left (those of module-scoped fixtures)."""
    if DATABASES is not None:
        DATABASES.drop_since(0)


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL server's URL: KB_TEST_DATABASE_URL, else a throwaway server for this session."""
    if TEST_DATABASE_URL:  # factories' PostgresDatabases already tracks engines
        yield TEST_DATABASE_URL
        return
    problem = None
    if find_pg_bin() is None:
        problem = "initdb och pg_ctl hittades inte (installera Debian-paketet postgresql)"
    else:
        server = ThrowawayPostgres()
        try:
            server.start()
        except RuntimeError as exc:
            server.stop()
            problem = f"servern startade inte: {exc}"
    if problem:
        if in_ci():
            pytest.fail(f"PostgreSQL saknas: {problem} (CI=true: testet får inte hoppas över)", pytrace=False)
        pytest.skip(f"PostgreSQL saknas: {problem}")
    track_engines()  # drop_database closes the pools of apps on a database before dropping it
    try:
        yield server.url
    finally:
        server.stop()


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
    """An app loaded with the demo content (as `kb demo` loads it, governance examples included)."""
    from kb.services import demo

    app = make_app(tmp_path / "instance")
    with app.app_context():
        report = demo.load(demo.demo_folder(), author="demo")
        assert not report.errors, report.errors
    return app
