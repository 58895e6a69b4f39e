"""Pytest plugin: a session-scoped `slapd` fixture, a real OpenLDAP server for the LDAP sign-in tests.

The server starts once per session (about a tenth of a second) with an empty tree: ou=people,
ou=groups and the service account only. Tests add the users and groups they need with unique names
(`slapd.add_user`, `slapd.add_group`, ...), so they can share the server in any order.

Locally the tests that use it are skipped (with a clear line in the summary) when slapd is missing or
does not start; with CI=true they fail instead, since a test must not pass silently in CI.
"""
from __future__ import annotations

import pytest
from components import Needs
from ldap_server import Slapd, find_slapd

# slapd / node and npm: skipped with a line in the summary locally, a failure in CI.
NEEDS = Needs("LDAP-testerna")
require = NEEDS.require


def pytest_terminal_summary(terminalreporter):
    """Say loudly when these tests did not run."""
    NEEDS.report(terminalreporter)


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
