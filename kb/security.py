"""HTTP security headers and cookie settings."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from kb import config as kbconfig


def content_security_policy(image_hosts: Iterable[str] = (), form_targets: Iterable[str] = ()) -> str:
    """The CSP: everything from kb itself only, images also over https from the hosts in KB_IMAGE_HOSTS
    (the same hosts kb.sanitize lets page images load from), and forms may lead on to `form_targets`
    (the OpenID Connect provider: logging out sends the browser on to its end-session endpoint)."""
    images = " ".join(["'self'", *(f"https://{host}" for host in image_hosts)])
    forms = " ".join(["'self'", *form_targets])
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; "
            f"object-src 'none'; base-uri 'none'; form-action {forms}; frame-ancestors 'none'")


def provider_origin(config) -> str | None:
    """The OpenID Connect provider's origin ("https://login.example.se"), when sign-in through it is on."""
    issuer = str(config.get("OIDC_ISSUER") or "")
    parts = urlsplit(issuer)
    if not (kbconfig.oidc_configured(config) and parts.scheme in ("http", "https") and parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def set_headers(response: Response) -> Response:
    """Add the security headers to every response."""
    response.headers.setdefault("Content-Security-Policy", current_app.extensions["kb_csp"])
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def init_app(app: Flask) -> None:
    """Register the header hook (with this app's CSP) and harden cookies."""
    origin = provider_origin(app.config)
    app.extensions["kb_csp"] = content_security_policy(app.config.get("IMAGE_HOSTS") or (),
                                                       (origin,) if origin else ())
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax")
    if app.config.get("HTTPS"):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    app.after_request(set_headers)


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS reverse proxies, take the visitor's address, scheme and host from their
    X-Forwarded-* headers. Without it every visitor has the proxy's address: the audit log could not
    tell them apart and 20 failed logins by anyone would lock the login for everyone. Only trust as
    many hops as there are proxies: a visitor can send these headers too."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops < 0:
        raise ValueError("KB_PROXY_HOPS måste vara 0 eller ett positivt heltal")
    if hops:
        fixed = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = fixed  # type: ignore[method-assign]
