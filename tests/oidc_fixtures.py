"""Pytest fixtures for a real OpenID Connect provider (registered by `pytest_plugins` in tests/conftest.py).

- `oidc_provider` (session): a started OidcProvider with one client, kb on the Flask test client's host
  (kb_client(): client_id "kb", redirect_uri http://localhost/logga-in/oidc/callback,
  post_logout_redirect_uri http://localhost/). Faults set on it are cleared after each test that uses it;
  accounts stay, so give every test its own logins.
- `start_oidc_provider` (session): a factory, start_oidc_provider(clients) -> a started OidcProvider with
  those clients (e.g. [kb_client(live_server_url)] for a browser test), stopped at the end of the session.

Locally the tests that need the provider are skipped (with a line in the summary) when node or npm is
missing or npm cannot install oidc-provider; with CI=true they fail instead.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from components import Needs
from oidc_server import OidcProvider, OidcSetupError, ensure_oidc_provider, kb_client

# slapd / node and npm: skipped with a line in the summary locally, a failure in CI.
NEEDS = Needs("OIDC-testerna")
require = NEEDS.require


def pytest_terminal_summary(terminalreporter):
    """Say loudly when these tests did not run."""
    NEEDS.report(terminalreporter)


@pytest.fixture(scope="session")
def oidc_provider_module() -> Path:
    """npm's oidc-provider 9 in .cache/npm (installed on first use)."""
    try:
        return ensure_oidc_provider()
    except OidcSetupError as exc:
        require(False, str(exc))


@pytest.fixture(scope="session")
def start_oidc_provider(oidc_provider_module, tmp_path_factory) -> Iterator[Callable[[list[dict]], OidcProvider]]:
    """start_oidc_provider(clients) -> a started OidcProvider; all are stopped at the end of the session."""
    started: list[OidcProvider] = []

    def start(clients: list[dict]) -> OidcProvider:
        provider = OidcProvider(tmp_path_factory.mktemp("oidc-provider"), clients)
        started.append(provider)
        return provider.start()

    yield start
    for provider in started:
        provider.stop()


@pytest.fixture(scope="session")
def oidc_provider(start_oidc_provider) -> OidcProvider:
    """The session's provider with kb as its client on http://localhost (the Flask test client)."""
    return start_oidc_provider([kb_client()])


@pytest.fixture(autouse=True)
def _clear_oidc_faults(request):
    """Faults set on the session's provider last for one test only."""
    yield
    if "oidc_provider" in request.fixturenames:
        request.getfixturevalue("oidc_provider").clear_faults()
