"""Signing in with OpenID Connect against a real provider (npm's oidc-provider, tests/oidc_fixtures.py):
the code flow with PKCE, accounts from claims, roles from the groups claim, the ID-token checks kb relies
on (audience, expiry, state), and logout at the provider."""
from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import login, make_app
from oidc_server import KB_CLIENT_ID, KB_CLIENT_SECRET, login_at_provider, logout_at_provider
from sqlalchemy import select

from kb.constants import AuditAction, AuthSource, Role
from kb.extensions import db
from kb.models import AuditEvent, User
from kb.services import groups, users

pytestmark = pytest.mark.oidc
PASSWORD = "leverantörens-lösenord"  # noqa: S105 - a test account at the test provider


def oidc_settings(provider, **extra) -> dict:
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": KB_CLIENT_ID, "OIDC_CLIENT_SECRET": KB_CLIENT_SECRET,
            "OIDC_NAME": "Testregionen", "OIDC_SCOPES": "openid profile email groups", **extra}


@pytest.fixture
def oidc_app(tmp_path, oidc_provider):
    return make_app(tmp_path / "instance", **oidc_settings(oidc_provider))


def person(provider, *, groups_claim=(), **claims) -> tuple[str, str]:
    """A new account at the provider; its login and stable subject."""
    login, sub = f"p{uuid.uuid4().hex[:10]}", str(uuid.uuid4())
    claims.setdefault("name", "Anna Svensson")
    claims.setdefault("email", f"{login}@lerum.se")
    provider.set_account(login, PASSWORD, sub, preferred_username=login, groups=list(groups_claim), **claims)
    return login, sub


def begin(client, next_path: str = "/min-sida") -> str:
    """Press "Logga in med …": the provider's authorization URL kb redirects to."""
    resp = client.get(f"/logga-in/oidc?next={next_path}")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"]


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(app, login: str, *, client=None):
    client = client or app.test_client()
    callback = login_at_provider(begin(client), login, PASSWORD)
    return client, client.get(local(callback))


def audit(app, action: AuditAction) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.target, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action.value).order_by(AuditEvent.id))]


def test_the_login_page_offers_the_provider_and_kb_asks_with_pkce_state_and_nonce(oidc_app, oidc_provider):
    html = oidc_app.test_client().get("/logga-in").get_data(as_text=True)
    assert "Logga in med Testregionen" in html
    url = begin(oidc_app.test_client())
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(oidc_provider.metadata()["authorization_endpoint"])
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost/logga-in/oidc/callback"]


def test_first_sign_in_makes_an_account_from_the_claims_and_a_returning_user_keeps_it(oidc_app, oidc_provider):
    login, sub = person(oidc_provider, name="Anna Svensson")
    client, resp = sign_in(oidc_app, login)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/min-sida")
    assert "Anna Svensson" in client.get("/min-sida").get_data(as_text=True)
    with oidc_app.app_context():
        user = users.get(login)
        assert user.source is AuthSource.OIDC and user.external_id == f"{oidc_provider.issuer} {sub}"
        assert (user.email, user.role, user.password_hash) == (f"{login}@lerum.se", Role.READER.value, "")
        first_id = user.id
    assert (login, "källa: OpenID Connect (Testregionen), vid första inloggningen") in audit(
        oidc_app, AuditAction.USER_CREATED)

    # The same person with a new e-mail address: the subject is the key, never the address.
    oidc_provider.set_account(login, PASSWORD, sub, preferred_username=login, name="Anna Berg",
                              email="anna.berg@alingsas.se", groups=[])
    _, resp = sign_in(oidc_app, login)
    assert resp.status_code == 302
    with oidc_app.app_context():
        user = db.session.get(User, first_id)
        assert (user.display_name, user.email) == ("Anna Berg", "anna.berg@alingsas.se")
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1
    assert audit(oidc_app, AuditAction.LOGIN).count((login, "via OpenID Connect (Testregionen)")) == 2


def test_someone_else_with_the_same_email_gets_an_account_of_their_own(oidc_app, oidc_provider):
    first, _ = person(oidc_provider, email="delad@lerum.se")
    second, _ = person(oidc_provider, email="delad@lerum.se")
    sign_in(oidc_app, first)
    sign_in(oidc_app, second)
    with oidc_app.app_context():
        assert users.get(first).id != users.get(second).id


def test_roles_follow_the_groups_claim_at_every_sign_in(oidc_app, oidc_provider):
    login, sub = person(oidc_provider, groups_claim=["kb-redaktorer", "nosam-samla"])
    with oidc_app.app_context():
        groups.map_group("kb-redaktorer", "redaktör")
        groups.map_group("nosam-samla", "områdesadministratör", area_key="samla")
    client, _ = sign_in(oidc_app, login)
    with oidc_app.app_context():
        user = users.get(login)
        assert user.role == "redaktör"
        assert {a: r.value for a, r in user.area_roles.items()} == {2: "områdesadministratör"}
    assert client.get("/admin/omraden/samla").status_code == 200

    oidc_provider.set_account(login, PASSWORD, sub, preferred_username=login, name="Anna Svensson", groups=[])
    client, _ = sign_in(oidc_app, login)
    with oidc_app.app_context():
        user = users.get(login)
        assert user.role == "läsare" and user.area_roles == {}
    assert client.get("/admin/omraden/samla").status_code == 403
    details = [d for t, d in audit(oidc_app, AuditAction.USER_ROLE) if t == login]
    assert details == ["läsare → redaktör (källa: grupp kb-redaktorer)",
                       "redaktör → läsare (källa: ingen grupp ger längre en roll)"]


def test_outside_every_mapped_group_signs_in_as_reader_or_is_refused_when_a_group_is_required(tmp_path,
                                                                                           oidc_provider):
    login, _ = person(oidc_provider, groups_claim=["annan-grupp"])
    open_app = make_app(tmp_path / "open", **oidc_settings(oidc_provider))
    sign_in(open_app, login)
    with open_app.app_context():
        assert users.get(login).role == "läsare"
    strict = make_app(tmp_path / "strict", **oidc_settings(oidc_provider, REQUIRE_GROUP=True))
    client, resp = sign_in(strict, login)
    assert resp.status_code == 403
    assert "finns inte i någon grupp som ger tillgång" in resp.get_data(as_text=True)
    assert client.get("/min-sida").status_code == 302
    with strict.app_context():
        assert users.get(login) is None


@pytest.mark.parametrize(("fault", "reason"), [({"id_token_audience": "en-annan-klient"}, "aud"),
                                               ({"clock_offset": -7200}, "exp")])
def test_an_id_token_for_another_client_or_an_expired_one_is_refused(oidc_app, oidc_provider, fault, reason):
    login, _ = person(oidc_provider)
    oidc_provider.set_fault(**fault)
    client, resp = sign_in(oidc_app, login)
    assert resp.status_code == 401
    assert "Identitetsleverantörens svar kunde inte godkännas" in resp.get_data(as_text=True)
    assert client.get("/min-sida").status_code == 302
    with oidc_app.app_context():
        assert users.get(login) is None
    failures = [d for _, d in audit(oidc_app, AuditAction.LOGIN_FAILED)]
    assert failures and failures[-1].startswith("OpenID Connect: ID-token underkänd") and reason in failures[-1]


def test_a_replayed_or_foreign_state_is_refused(oidc_app, oidc_provider):
    login, _ = person(oidc_provider)
    client = oidc_app.test_client()
    callback = local(login_at_provider(begin(client), login, PASSWORD))
    assert client.get(callback).status_code == 302
    client.post("/logga-ut", data={})  # (no CSRF token: stays signed in; the replay is what matters)
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "har redan använts" in replay.get_data(as_text=True)

    other, _ = person(oidc_provider)
    stranger = oidc_app.test_client()  # a callback started in another browser
    foreign = stranger.get(local(login_at_provider(begin(oidc_app.test_client()), other, PASSWORD)))
    assert foreign.status_code == 400
    assert stranger.get("/min-sida").status_code == 302
    assert any("state" in d for _, d in audit(oidc_app, AuditAction.LOGIN_FAILED))


def test_cancelling_at_the_provider_says_so(oidc_app):
    client = oidc_app.test_client()
    begin(client)
    resp = client.get("/logga-in/oidc/callback?error=access_denied&state=x")
    assert resp.status_code == 401
    assert "Inloggningen avbröts hos identitetsleverantören." in resp.get_data(as_text=True)


def test_an_unreachable_provider_gets_a_clear_answer(tmp_path):
    app = make_app(tmp_path / "instance", OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="kb", OIDC_TIMEOUT=2)
    resp = app.test_client().get("/logga-in/oidc")
    assert resp.status_code == 503
    assert "Identitetsleverantören svarar inte just nu" in resp.get_data(as_text=True)


def test_logout_ends_the_session_at_the_provider_too(oidc_app, oidc_provider):
    login, _ = person(oidc_provider)
    client, _ = sign_in(oidc_app, login)
    page = client.get("/min-sida").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = client.post("/logga-ut", data={"csrf_token": token})
    assert resp.status_code == 302
    end_session = resp.headers["Location"]
    assert end_session.startswith(oidc_provider.metadata()["end_session_endpoint"])
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/"] and query["id_token_hint"]
    assert client.get("/min-sida").status_code == 302  # out of kb at once
    back = logout_at_provider(end_session)
    assert back.startswith("http://localhost/")


def test_a_disabled_account_is_refused_and_its_sessions_end(oidc_app, oidc_provider):
    login, _ = person(oidc_provider)
    client, _ = sign_in(oidc_app, login)
    assert client.get("/min-sida").status_code == 200
    with oidc_app.app_context():
        users.set_disabled(login, True)
    assert client.get("/min-sida").status_code == 302
    _, resp = sign_in(oidc_app, login)
    assert resp.status_code == 403
    assert "inaktiverat" in resp.get_data(as_text=True)


def test_a_discovery_document_naming_another_issuer_is_refused(tmp_path, oidc_provider):
    """KB_OIDC_ISSUER must be the issuer the provider names itself: the same server under another name
    (localhost for 127.0.0.1) is not trusted."""
    other_name = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    app = make_app(tmp_path / "instance", **oidc_settings(oidc_provider, OIDC_ISSUER=other_name))
    resp = app.test_client().get("/logga-in/oidc")
    assert resp.status_code == 502
    assert "Identitetsleverantörens svar kunde inte godkännas" in resp.get_data(as_text=True)
    assert any("issuer_mismatch" in d for _, d in audit(app, AuditAction.LOGIN_FAILED))


def test_every_way_of_signing_in_is_audited_with_its_source(oidc_app, oidc_provider):
    login(oidc_app, "lokal", "redaktör")
    person_login, _ = person(oidc_provider)
    sign_in(oidc_app, person_login)
    assert ("lokal", "via lokalt lösenord") in audit(oidc_app, AuditAction.LOGIN)
    assert ("lokal", "roll: redaktör, källa: lokalt konto") in audit(oidc_app, AuditAction.USER_CREATED)
    assert (person_login, "via OpenID Connect (Testregionen)") in audit(oidc_app, AuditAction.LOGIN)


def test_an_organisation_claim_sets_the_users_organisation(tmp_path, oidc_provider):
    """With KB_OIDC_ORGANISATION_CLAIM, does sign-in take the organisation from the claim (by key or name),
    and leave it as it was when the claim names an organisation kb does not know?"""
    from kb.services import organisations

    app = make_app(tmp_path / "instance", **oidc_settings(oidc_provider, OIDC_ORGANISATION_CLAIM="organisation"))
    with app.app_context():
        organisations.ensure_defaults()
    login, sub = person(oidc_provider, organisation="Alingsås kommun")
    _, resp = sign_in(app, login)
    assert resp.status_code == 302
    with app.app_context():
        assert users.get(login).organisation_key == "alingsas-kommun"
    oidc_provider.set_account(login, PASSWORD, sub, preferred_username=login, name="Anna Svensson",
                              organisation="Okänd enhet", groups=[])
    _, resp = sign_in(app, login)
    assert resp.status_code == 302
    with app.app_context():
        assert users.get(login).organisation_key == "alingsas-kommun"
