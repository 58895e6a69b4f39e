"""Sign-in with OpenID Connect (Microsoft Entra ID, a SITHS proxy, any certified provider) through
Authlib: the authorization code flow with PKCE (S256), discovery from KB_OIDC_ISSUER, and Authlib's
checks of the ID token (signature against the provider's published keys, issuer, audience, nonce,
expiry). kb writes no token handling of its own; the verified claims become an account in
kb.services.sign_in.

Logout ends the session at the provider too, where it offers an end-session endpoint.
"""
from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, flash, redirect, request, session, url_for
from flask_login import login_user
from joserfc.errors import JoseError

from kb import config as kbconfig
from kb.auth.forms import LoginForm
from kb.auth.pages import render_login
from kb.constants import AuthSource
from kb.services import sign_in
from kb.services.identity import Identity
from kb.urls import local_path

bp = Blueprint("oidc", __name__)

_CLIENT = "kb_oidc_client"
_NAME = "org"
# Kept in the session cookie after sign-in, for logout at the provider (a long token is not kept).
ID_TOKEN = "kb_oidc_id_token"  # noqa: S105 - a session key
NEXT = "kb_oidc_next"
ID_TOKEN_MAX = 2500
# Seconds the provider's clock may differ from kb's when checking an ID token's times.
CLOCK_SKEW = 60

STATE_REFUSED = ("Inloggningen kunde inte slutföras: svaret från identitetsleverantören hörde inte till en "
                 "inloggning som påbörjats i den här webbläsaren, eller har redan använts. Försök igen.")
TOKEN_REFUSED = ("Identitetsleverantörens svar kunde inte godkännas, så du är inte inloggad. "  # noqa: S105
                 "Försök igen; om det upprepas, kontakta it-avdelningen.")
UNREACHABLE = ("Identitetsleverantören svarar inte just nu. Försök igen om en stund eller logga in på "
               "annat sätt.")
CANCELLED = "Inloggningen avbröts hos identitetsleverantören."


def init_app(app: Flask) -> None:
    """Register the provider's client on this app when KB_OIDC_ISSUER and a client id are set (the
    provider's metadata is fetched at the first sign-in, not at start)."""
    config = app.config
    if not kbconfig.oidc_configured(config):
        return
    issuer = str(config["OIDC_ISSUER"]).rstrip("/")
    oauth = OAuth(app)
    oauth.register(
        _NAME, client_id=config["OIDC_CLIENT_ID"], client_secret=config.get("OIDC_CLIENT_SECRET") or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": config.get("OIDC_SCOPES") or "openid profile email", "code_challenge_method": "S256",
                       "timeout": float(config.get("OIDC_TIMEOUT") or 10)})
    app.extensions[_CLIENT] = oauth.create_client(_NAME)


def _client():
    return current_app.extensions.get(_CLIENT)


def _metadata(client) -> dict:
    """The provider's discovery document, checked to name the configured issuer."""
    metadata = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != str(current_app.config["OIDC_ISSUER"]).rstrip("/"):
        raise OAuthError(error="issuer_mismatch", description="discovery names another issuer")
    return metadata


def _claims_options(client) -> dict:
    """What the ID token must say: Authlib checks only the issuer unless told, so the audience (this
    client) is required here too; signature, nonce and expiry Authlib always checks."""
    return {"iss": {"essential": True, "value": _metadata(client)["issuer"]},
            "aud": {"essential": True, "value": client.client_id},
            "sub": {"essential": True}}


def _failed(reason: str, message: str, status: int):
    """Audit the failure and show the login page with `message`."""
    sign_in.record_failure("", reason, source=AuthSource.OIDC, remote_addr=request.remote_addr or "")
    return render_login(LoginForm(), error=message, status=status)


@bp.get("/logga-in/oidc")
def start():
    """Send the browser to the provider's sign-in page (state, nonce and a PKCE verifier kept in the
    session)."""
    client = _client()
    if client is None:
        flash("Inloggning via organisationens konto är inte påslagen.", "error")
        return redirect(url_for("auth.login"))
    session[NEXT] = local_path(request.args.get("next")) or url_for("pages.start")
    try:
        _metadata(client)
        return client.authorize_redirect(url_for("oidc.callback", _external=True))
    except (requests.RequestException, ValueError) as exc:
        return _failed(f"discovery: {type(exc).__name__}", UNREACHABLE, 503)
    except OAuthError as exc:
        return _failed(f"discovery: {exc.error}", TOKEN_REFUSED, 502)


@bp.get("/logga-in/oidc/callback")
def callback():
    """The provider's answer: exchange the code (with the PKCE verifier), check the ID token, sign in."""
    client = _client()
    if client is None:
        return redirect(url_for("auth.login"))
    if request.args.get("error"):
        error = request.args.get("error", "")[:60]
        return _failed(f"leverantören svarade {error}", CANCELLED if error == "access_denied" else TOKEN_REFUSED,
                       401)
    try:
        token = client.authorize_access_token(claims_options=_claims_options(client), leeway=CLOCK_SKEW)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise OAuthError(error="no_id_token", description="no verified ID token in the answer")
        claims = _with_userinfo(client, token, claims)
    except MismatchingStateError:
        return _failed("state saknas eller har redan använts", STATE_REFUSED, 400)
    except requests.RequestException as exc:
        return _failed(f"token: {type(exc).__name__}", UNREACHABLE, 503)
    except (OAuthError, JoseError, AuthlibBaseError, ValueError) as exc:
        detail = getattr(exc, "error", "") or type(exc).__name__
        return _failed(f"ID-token underkänd: {detail}: {getattr(exc, 'description', '') or exc}"[:300],
                       TOKEN_REFUSED, 401)
    identity = _identity(claims)
    try:
        user = sign_in.sign_in(identity, request.remote_addr or "")
    except sign_in.LoginRefused as exc:
        return render_login(LoginForm(), error=str(exc), status=403)
    login_user(user)
    id_token = str(token.get("id_token") or "")
    if len(id_token) <= ID_TOKEN_MAX:
        session[ID_TOKEN] = id_token
    flash(f"Välkommen, {user.name}!", "success")
    return redirect(session.pop(NEXT, None) or url_for("pages.start"))


def _with_userinfo(client, token, claims: dict) -> dict:
    """Add what only the userinfo endpoint tells (some providers keep groups there), for the same subject."""
    groups_claim = current_app.config.get("OIDC_GROUPS_CLAIM") or "groups"
    if groups_claim in claims and claims.get("email") and claims.get("name"):
        return claims
    if not client.load_server_metadata().get("userinfo_endpoint"):
        return claims
    info = dict(client.userinfo(token=token))
    if info.get("sub") != claims["sub"]:
        raise OAuthError(error="userinfo_subject", description="userinfo names another subject")
    return {**info, **claims} if groups_claim in claims else {**claims, **info}


def _groups(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if isinstance(v, str | int))
    return ()


def _identity(claims: dict) -> Identity:
    config = current_app.config
    issuer = str(claims.get("iss") or config["OIDC_ISSUER"]).rstrip("/")
    name = claims.get("name") or " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
    hint = (claims.get(config.get("OIDC_USERNAME_CLAIM") or "preferred_username") or claims.get("email")
            or name or "")
    return Identity(source=AuthSource.OIDC, external_id=f"{issuer} {claims['sub']}", username_hint=str(hint),
                    name=str(name or ""), email=str(claims.get("email") or ""),
                    groups=_groups(claims.get(config.get("OIDC_GROUPS_CLAIM") or "groups")),
                    provider=str(config.get("OIDC_NAME") or ""),
                    organisation=_text_claim(claims, config.get("OIDC_ORGANISATION_CLAIM")))


def _text_claim(claims: dict, name) -> str:
    """A claim that should be one text ("" when not configured, missing or not text)."""
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def logout_url() -> str | None:
    """Where to send the browser after logging out of kb: the provider's end-session endpoint (with the
    ID token as a hint and kb's start page to come back to), or None."""
    id_token = session.pop(ID_TOKEN, None)
    client = _client()
    if client is None or id_token is None:
        return None
    try:
        if not _metadata(client).get("end_session_endpoint"):
            return None
        result = client.create_logout_url(post_logout_redirect_uri=url_for("pages.start", _external=True),
                                          id_token_hint=id_token or None, client_id=client.client_id)
    except (requests.RequestException, OAuthError, ValueError):
        return None
    return result["url"]
