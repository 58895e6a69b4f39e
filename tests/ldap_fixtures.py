"""Pytest plugin: a session-scoped `slapd` fixture, a real OpenLDAP server for the LDAP sign-in tests.

The server starts once per session (about a tenth of a second) with an empty tree: ou=people,
ou=groups and the service account only. Tests add the users and groups they need with unique names
(`slapd.add_user`, `slapd.add_group`, ...), so they can share the server in any order.

Locally the tests that use it are skipped (with a clear line in the summary) when slapd is missing or
does not start; with CI=true they fail instead, since a test must not pass silently in CI.
"""
from __future__ import annotations

import os

import pytest
from ldap_server import Slapd, find_slapd

# Why the LDAP tests were skipped in this run, for the terminal summary.
SKIP_REASONS: list[str] = []


def in_ci() -> bool:
    """Whether this run is CI, where a missing slapd is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require(ok: object, reason: str) -> None:
    """Skip (locally) or fail (in CI) when what the LDAP tests need is missing."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: LDAP-testerna får inte hoppas över)", pytrace=False)
    if reason not in SKIP_REASONS:
        SKIP_REASONS.append(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the LDAP tests did not run."""
    for reason in SKIP_REASONS:
        terminalreporter.write_line(f"LDAP-TESTERNA HOPPADES ÖVER: {reason}", yellow=True, bold=True)


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Slapd:
    """A started OpenLDAP slapd on loopback (ldap:// with StartTLS, and ldaps://) for the whole session."""
    require(find_slapd(), "OpenLDAP:s slapd hittades inte (installera Debian-paketet slapd)")
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    try:
        server.start()
    except RuntimeError as exc:
        require(False, f"OpenLDAP:s slapd startade inte: {exc}")
    try:
        yield server
    finally:
        server.stop()
