"""The login page, shown by the password form and by a failed sign-in through the organisation."""
from __future__ import annotations

from flask import current_app, render_template, request

from kb import urls
from kb.auth.forms import LoginForm
from kb.services import sign_in, users


def render_login(form: LoginForm, *, error: str | None = None, status: int = 200):
    """The login page with the ways to sign in this installation offers."""
    config = current_app.config
    options = {"oidc": sign_in.oidc_enabled(), "oidc_name": config.get("OIDC_NAME") or "organisationens konto",
               "ldap": sign_in.ldap_enabled(), "ldap_name": config.get("LDAP_NAME") or "LDAP",
               "local": users.local_login_on()}
    return render_template("auth/login.html", form=form, options=options, sign_in_error=error,
                           next=urls.local_path(request.args.get("next"))), status
