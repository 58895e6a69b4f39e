"""Browser fixtures: one demo server and one headless Chromium per session, a fresh context per test.

The server is the real thing: `kb init`, `kb demo` and `kb serve` (waitress) on a free loopback port
against a temporary instance, started as a subprocess and stopped by its process group at the end.
Tests that change data create their own pages with unique titles, so the shared server stays usable
in any order.

Locally the browser tests are skipped (with a clear line in the summary) when Chromium, Playwright or
axe-core is missing. With CI=true they fail instead: a test that needs a missing component must not
pass silently in CI.
"""
from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from components import Needs, in_ci
from factories import DATABASES
from kbbrowser import APPROVER, EDITOR, LEAVER, PASSWORD, log_in

from scripts.kbdemo import CHROMIUM, CHROMIUM_ARGS, DemoServer, demo_server

REPO = Path(__file__).resolve().parents[2]
AXE_PREFIX = REPO / ".cache" / "npm"
AXE_JS = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"

# Chromium, Playwright and axe-core: skipped with a line in the summary locally, a failure in CI.
NEEDS = Needs("webbläsartesterna")
require = NEEDS.require


try:
    import playwright  # noqa: F401 - only: is it installed?
except ImportError:  # a broken test install; the tests' own imports would fail to collect
    if not in_ci():
        collect_ignore_glob = ["test_*.py"]
        NEEDS.note("Playwright för Python saknas (pip install -e '.[test]')")


def pytest_collection_modifyitems(config, items):
    """Without Chromium, skip every browser test up front (locally) instead of starting the server."""
    if CHROMIUM.exists() or in_ci():
        return
    reason = f"{CHROMIUM} saknas (installera Debian-paketet chromium)"
    marker = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(marker)
            NEEDS.note(reason)


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the browser tests did not run."""
    NEEDS.report(terminalreporter)


# --- the server -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kb_server(tmp_path_factory) -> DemoServer:
    """`kb init` + `kb demo` in a temporary instance, an editor, a fastställare, and `kb serve` on a free port."""
    root = tmp_path_factory.mktemp("kb-browser")
    if DATABASES:  # KB_TEST_DATABASE_URL: the server's instance gets a fresh PostgreSQL database
        DATABASES.configure(root / "instance")
    accounts = {EDITOR: ("redaktör", PASSWORD), APPROVER: ("fastställare", PASSWORD),
                LEAVER: ("redaktör", PASSWORD)}
    with demo_server(root, users=accounts) as server:
        yield server


# --- the browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session (never a downloaded browser)."""
    require(CHROMIUM.exists(), f"{CHROMIUM} saknas (installera Debian-paketet chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright för Python saknas (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def login_states(browser, kb_server):
    """Cookies of a logged-in session per user, made once (logging in costs a password hash)."""
    states: dict[str, dict] = {}

    def state_for(username: str) -> dict:
        if username not in states:
            password = kb_server.admin_password if username == "admin" else PASSWORD
            context = browser.new_context(base_url=kb_server.url)
            page = context.new_page()
            log_in(page, username, password)
            states[username] = context.storage_state()
            context.close()
        return states[username]

    return state_for


@pytest.fixture
def new_context(browser, kb_server, login_states):
    """Make fresh browser contexts (as `user`, if given); each is closed after the test.

    Pages opened in them collect JavaScript errors and Content-Security-Policy reports; the test fails
    if there were any, so a script or style the CSP blocks cannot go unnoticed.
    """
    contexts = []
    problems: list[str] = []

    def make(user: str | None = None, **options):
        if user:
            options["storage_state"] = login_states(user)
        context = browser.new_context(base_url=kb_server.url, locale="sv-SE", **options)
        context.set_default_timeout(10_000)

        def watch(page):
            page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
            page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text}")
                    if msg.type == "error" and "Content Security Policy" in msg.text else None)

        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not problems, "fel i webbläsaren:\n" + "\n".join(problems)


@pytest.fixture
def page(new_context):
    """A page for an anonymous visitor."""
    return new_context().new_page()


@pytest.fixture
def editor_page(new_context):
    """A page for a logged-in editor (redaktör)."""
    return new_context(EDITOR).new_page()


@pytest.fixture
def admin_page(new_context):
    """A page for the demo administrator."""
    return new_context("admin").new_page()


@pytest.fixture
def unique() -> str:
    """A short unique word for titles of pages a test creates."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """axe-core from npm, installed into .cache/npm on first use (never committed)."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        require(npm, "npm saknas, så axe-core kan inte installeras (installera Debian-paketet npm)")
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(AXE_PREFIX),  # noqa: S603
                               "axe-core@4"], capture_output=True, text=True, timeout=300)
        require(AXE_JS.exists(), f"axe-core kunde inte installeras från npm: {done.stderr.strip()[-300:]}")
    return AXE_JS
