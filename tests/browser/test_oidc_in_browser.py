"""Signing in with OpenID Connect in a real Chromium: kb served by `kb serve` with KB_OIDC_* settings, a
real provider (npm's oidc-provider) on another loopback port, and the person clicking through both."""
from __future__ import annotations

import uuid

import pytest
from factories import DATABASES
from oidc_server import KB_CLIENT_ID, KB_CLIENT_SECRET, kb_client
from playwright.sync_api import expect
from test_accessibility import assert_accessible

from scripts.kbdemo import demo_server, free_port

pytestmark = [pytest.mark.browser, pytest.mark.oidc]


@pytest.fixture(scope="module")
def oidc_kb(tmp_path_factory, start_oidc_provider):
    """kb on its own port with sign-in through a provider that knows that port as kb's address."""
    root = tmp_path_factory.mktemp("kb-oidc")
    port = free_port()
    provider = start_oidc_provider([kb_client(f"http://127.0.0.1:{port}")])
    if DATABASES:
        DATABASES.configure(root / "instance")
    settings = {"KB_OIDC_ISSUER": provider.issuer, "KB_OIDC_CLIENT_ID": KB_CLIENT_ID,
                "KB_OIDC_CLIENT_SECRET": KB_CLIENT_SECRET, "KB_OIDC_NAME": "Testregionen",
                "KB_OIDC_SCOPES": "openid profile email groups"}
    with demo_server(root, port=port, settings=settings) as server:
        yield server, provider


def test_a_person_signs_in_at_the_provider_and_out_again(browser, oidc_kb):
    server, provider = oidc_kb
    login = f"anna{uuid.uuid4().hex[:8]}"
    provider.set_account(login, "leverantörens-lösenord", str(uuid.uuid4()), preferred_username=login,
                         name="Anna Svensson", email=f"{login}@lerum.se", groups=[])
    context = browser.new_context(base_url=server.url, locale="sv-SE")
    context.set_default_timeout(10_000)
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    try:
        page.goto("/logga-in")
        page.get_by_role("link", name="Logga in med Testregionen").click()
        page.wait_for_url(f"{provider.issuer}/**")
        page.locator("input[name=login]").fill(login)
        page.locator("input[name=password]").fill("fel-lösenord")
        page.get_by_role("button", name="Logga in").click()
        expect(page.get_by_role("alert")).to_contain_text("Fel användarnamn eller lösenord")
        page.locator("input[name=password]").fill("leverantörens-lösenord")
        page.get_by_role("button", name="Logga in").click()

        page.wait_for_url(f"{server.url}/**")
        expect(page.get_by_text("Välkommen, Anna Svensson!")).to_be_visible()
        page.goto("/min-sida")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Min sida")

        page.get_by_role("button", name="Logga ut", exact=True).click()  # kb, then the provider asks to confirm
        page.wait_for_url(f"{provider.issuer}/**")
        page.locator("button[name=logout]").click()
        page.wait_for_url(f"{server.url}/**")
        expect(page.get_by_role("link", name="Logga in")).to_be_visible()
        page.goto("/min-sida")
        expect(page).to_have_url(f"{server.url}/logga-in?next=%2Fmin-sida")
    finally:
        context.close()
    assert not problems, problems


def test_the_login_page_with_a_provider_passes_axe(browser, oidc_kb, axe_js):
    """Does the login page with "Logga in med …" above the password form pass axe?"""
    server, _ = oidc_kb
    context = browser.new_context(base_url=server.url, locale="sv-SE", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/logga-in")
        assert_accessible(page, axe_js)
    finally:
        context.close()
