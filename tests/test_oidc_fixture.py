"""The OpenID Connect test provider itself (tests/oidc/provider.mjs, tests/oidc_server.py), driven by Authlib.

kb's own sign-in tests rely on this: discovery, a code flow with PKCE whose ID token verifies against the
provider's keys and carries the account's claims, accounts read afresh at each login, refused logins,
logout, and the two faults for kb's ID-token checks.
"""
from __future__ import annotations

import secrets
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError
from joserfc.jwk import KeySet
from oidc_server import (
    CALLBACK_PATH,
    KB_CLIENT_ID,
    KB_CLIENT_SECRET,
    ProviderError,
    ProviderRefused,
    kb_client,
    login_at_provider,
    logout_at_provider,
)

pytestmark = pytest.mark.oidc

SCOPE = "openid profile email groups"
REDIRECT_URI = "http://localhost" + CALLBACK_PATH
PASSWORD = "rätt lösenord"


def new_account(provider, groups=("kb-redaktörer",)) -> tuple[str, str]:
    """A fresh account at the provider: (login, sub)."""
    login = f"anna-{uuid.uuid4().hex[:8]}"
    sub = uuid.uuid4().hex
    provider.set_account(login, PASSWORD, sub, name="Anna Andersson", given_name="Anna",
                         family_name="Andersson", email=f"{login}@example.se", email_verified=True,
                         groups=list(groups))
    return login, sub


class Flow:
    """One authorization code flow with PKCE S256 and a nonce, as kb's Authlib client runs it."""

    def __init__(self, provider, client_id: str = KB_CLIENT_ID, redirect_uri: str = REDIRECT_URI):
        self.provider = provider
        self.metadata = provider.metadata()
        self.client = OAuth2Session(client_id, KB_CLIENT_SECRET, scope=SCOPE, redirect_uri=redirect_uri,
                                    code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
        self.verifier = secrets.token_urlsafe(48)
        self.nonce = secrets.token_urlsafe(16)
        self.url, self.state = self.client.create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=self.verifier, nonce=self.nonce)

    def tokens(self, location: str) -> dict:
        return self.client.fetch_token(self.metadata["token_endpoint"], authorization_response=location,
                                       code_verifier=self.verifier, state=self.state)

    def id_token(self, tokens: dict) -> CodeIDToken:
        """The ID token, its signature checked against jwks_uri (not yet its claims)."""
        keys = KeySet.import_key_set(requests.get(self.metadata["jwks_uri"], timeout=10).json())
        token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
        return CodeIDToken(token.claims, token.header,
                           options={"iss": {"essential": True, "value": self.provider.issuer},
                                    "aud": {"essential": True, "value": KB_CLIENT_ID}},
                           params={"nonce": self.nonce, "client_id": KB_CLIENT_ID,
                                   "access_token": tokens["access_token"]})

    def log_in(self, login: str, password: str = PASSWORD, **kw) -> CodeIDToken:
        return self.id_token(self.tokens(login_at_provider(self.url, login, password, **kw)))


def test_discovery_names_the_endpoints(oidc_provider):
    metadata = oidc_provider.metadata()
    issuer = oidc_provider.issuer
    assert issuer.startswith("http://127.0.0.1:")
    assert metadata["issuer"] == issuer
    for endpoint, path in [("authorization_endpoint", "/auth"), ("token_endpoint", "/token"),
                           ("jwks_uri", "/jwks"), ("end_session_endpoint", "/session/end")]:
        assert metadata[endpoint] == issuer + path
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert {"openid", "profile", "email", "groups"} <= set(metadata["scopes_supported"])
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["client_secret_basic"]
    keys = requests.get(metadata["jwks_uri"], timeout=10).json()["keys"]
    assert [(key["kty"], key["alg"], key["use"]) for key in keys] == [("RSA", "RS256", "sig")]
    assert all("d" not in key for key in keys), "only public keys at jwks_uri"


def test_code_flow_with_pkce_gives_a_signed_id_token_with_the_claims(oidc_provider):
    login, sub = new_account(oidc_provider, groups=["kb-redaktörer", "kb-läsare"])
    flow = Flow(oidc_provider)
    location = login_at_provider(flow.url, login, PASSWORD)

    assert location.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [flow.state]
    assert query["iss"] == [oidc_provider.issuer]
    assert query["code"]

    tokens = flow.tokens(location)
    claims = flow.id_token(tokens)
    claims.validate(leeway=5)
    assert claims["sub"] == sub != login
    assert claims["aud"] == KB_CLIENT_ID
    assert claims["nonce"] == flow.nonce
    assert claims["name"] == "Anna Andersson"
    assert (claims["given_name"], claims["family_name"]) == ("Anna", "Andersson")
    assert claims["email"] == f"{login}@example.se"
    assert claims["email_verified"] is True
    assert claims["groups"] == ["kb-redaktörer", "kb-läsare"]
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60


def test_the_code_needs_basic_auth_the_right_verifier_and_pkce(oidc_provider):
    login, _ = new_account(oidc_provider)
    flow = Flow(oidc_provider)
    location = login_at_provider(flow.url, login, PASSWORD)
    in_body = requests.post(flow.metadata["token_endpoint"], timeout=10, data={
        "grant_type": "authorization_code", "code": parse_qs(urlsplit(location).query)["code"][0],
        "redirect_uri": REDIRECT_URI, "code_verifier": flow.verifier,
        "client_id": KB_CLIENT_ID, "client_secret": KB_CLIENT_SECRET})
    assert (in_body.status_code, in_body.json()["error"]) == (401, "invalid_client")
    flow.verifier = secrets.token_urlsafe(48)
    with pytest.raises(OAuthError, match="invalid_grant"):
        flow.tokens(location)

    without_pkce = Flow(oidc_provider)
    plain = without_pkce.url.split("&code_challenge=")[0]
    location = login_at_provider(plain, login, PASSWORD)
    assert location.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["invalid_request"]
    assert "PKCE" in query["error_description"][0]


def test_changed_groups_show_at_the_next_login(oidc_provider):
    login, sub = new_account(oidc_provider, groups=["kb-läsare"])
    assert Flow(oidc_provider).log_in(login)["groups"] == ["kb-läsare"]

    oidc_provider.set_account(login, PASSWORD, sub, name="Anna Andersson", groups=["kb-administratörer"])
    claims = Flow(oidc_provider).log_in(login)
    assert claims["sub"] == sub
    assert claims["groups"] == ["kb-administratörer"]
    assert "email" not in claims


def test_a_wrong_password_or_an_unknown_login_is_refused(oidc_provider):
    login, _ = new_account(oidc_provider)
    with pytest.raises(ProviderRefused, match="Fel användarnamn eller lösenord"):
        login_at_provider(Flow(oidc_provider).url, login, "fel lösenord")
    with pytest.raises(ProviderRefused):
        login_at_provider(Flow(oidc_provider).url, "ingen-sådan", PASSWORD)
    oidc_provider.remove_account(login)
    with pytest.raises(ProviderRefused):
        login_at_provider(Flow(oidc_provider).url, login, PASSWORD)


def test_logout_at_the_provider_returns_to_the_client_and_ends_the_login(oidc_provider):
    login, _ = new_account(oidc_provider)
    browser = requests.Session()
    flow = Flow(oidc_provider)
    tokens = flow.tokens(login_at_provider(flow.url, login, PASSWORD, session=browser))

    # Still logged in at the provider: the next authorization needs no form (the password is not used).
    again = login_at_provider(Flow(oidc_provider).url, login, "används inte", session=browser)
    assert "code" in parse_qs(urlsplit(again).query)

    end_session = flow.metadata["end_session_endpoint"] + "?" + urlencode({
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "http://localhost/", "state": "s1"})
    assert logout_at_provider(end_session, session=browser) == "http://localhost/?state=s1"

    with pytest.raises(ProviderRefused):  # the form is back
        login_at_provider(Flow(oidc_provider).url, login, "fel lösenord", session=browser)
    # Without a post_logout_redirect_uri (or a login) the provider shows its own page.
    done = logout_at_provider(flow.metadata["end_session_endpoint"], session=browser)
    assert done == oidc_provider.issuer + "/session/end/success"


def test_clock_offset_fault_moves_iat_and_exp(oidc_provider):
    login, _ = new_account(oidc_provider)
    oidc_provider.set_fault(clock_offset=-7200)
    claims = Flow(oidc_provider).log_in(login)  # signature verified
    assert claims["exp"] < time.time() - 3000
    with pytest.raises(ExpiredTokenError):
        claims.validate()

    oidc_provider.set_fault(clock_offset=7200)
    assert Flow(oidc_provider).log_in(login)["iat"] > time.time() + 3000

    oidc_provider.clear_faults()
    Flow(oidc_provider).log_in(login).validate(leeway=5)


def test_audience_fault_issues_an_id_token_for_someone_else(oidc_provider):
    login, sub = new_account(oidc_provider)
    oidc_provider.set_fault(id_token_audience="someone-else")
    claims = Flow(oidc_provider).log_in(login)  # signature verified
    assert claims["aud"] == "someone-else"
    assert claims["sub"] == sub
    with pytest.raises(InvalidClaimError, match="aud"):
        claims.validate()


def test_another_provider_with_other_clients(start_oidc_provider, oidc_provider):
    base = "http://127.0.0.1:5999"
    other = start_oidc_provider([kb_client(base), kb_client("http://localhost", client_id="annan")])
    assert other.issuer != oidc_provider.issuer
    login, sub = new_account(other)
    flow = Flow(other, redirect_uri=base + CALLBACK_PATH)
    location = login_at_provider(flow.url, login, PASSWORD)
    assert location.startswith(base + CALLBACK_PATH + "?")
    assert flow.id_token(flow.tokens(location))["sub"] == sub
    # The session's provider does not know that redirect URI: an error page, not a redirect.
    with pytest.raises(ProviderError, match="redirect_uri"):
        login_at_provider(Flow(oidc_provider, redirect_uri=base + CALLBACK_PATH).url, login, PASSWORD)
