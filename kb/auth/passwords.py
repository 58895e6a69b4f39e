"""Password views outside Min sida: "Glömt lösenordet?" and its link, and the new password a temporary
one demands, with the guard that sends a user with a temporary password there before anything else.
Registered on the auth blueprint (kb.auth.routes calls `register`): endpoints auth.forgot_password,
auth.reset_password and auth.choose_password."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from kb.auth.forms import ForgotPasswordForm, NewPasswordForm
from kb.exceptions import ValidationError
from kb.services import passwords, users

# What a user with a temporary password may still reach: the page to replace it, logging out, files.
WHILE_TEMPORARY = frozenset({"auth.choose_password", "auth.logout", "static", "info.favicon"})
SENT = ("Om kontot finns och har en e-postadress har vi skickat en länk dit. Länken gäller i {minutes} minuter "
        "och fungerar en gång. Kommer inget brev? Kontrollera skräpposten eller kontakta en administratör.")


def guard_temporary_password():
    """before_app_request: a user logged in with a temporary password chooses a new one first; every
    other page sends them to it."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in WHILE_TEMPORARY or request.endpoint is None:
        return None
    if request.path.startswith("/api/"):
        abort(403)
    return redirect(url_for("auth.choose_password"))


def template_helpers() -> dict:
    """For the login page: whether local passwords are on and whether "Glömt lösenordet?" is offered."""
    return {"local_login_on": users.local_login_on,
            "password_reset_offered": lambda: passwords.reset_settings() is not None}


@login_required
def choose_password():
    """"Välj ett nytt lösenord" after a temporary password; the temporary one is not asked for again."""
    if not current_user.must_change_password:
        return redirect(url_for("pages.start"))
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            passwords.replace_temporary(user, form.password.data)
        except ValidationError as exc:
            form.add_service_errors(exc, "password")
            status = 422
        else:
            login_user(user)  # the new session token ended every session, this one too
            flash("Ditt nya lösenord är sparat.", "success")
            return redirect(url_for("pages.start"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/new_password.html", form=form, user=None), status


def forgot_password():
    """"Glömt lösenordet?": a username or e-mail address; always the same answer."""
    if passwords.reset_settings() is None:
        abort(404)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(form.identifier.data, request.remote_addr or "")
        flash(SENT.format(minutes=current_app.config["RESET_LINK_MINUTES"]), "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot_password.html", form=form, local_off=not users.local_login_on()), status


def reset_password(token: str):
    """The link from the e-mail: a new password twice; the link works once and for a short while."""
    user = passwords.user_for_link(token)
    if user is None:
        return _link_invalid()
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            passwords.reset(token, form.password.data, request.remote_addr or "")
        except passwords.ResetLinkInvalid:
            return _link_invalid()
        except ValidationError as exc:
            form.add_service_errors(exc, "password")
            status = 422
        else:
            if current_user.is_authenticated:
                logout_user()
            flash("Ditt nya lösenord är sparat. Logga in med det.", "success")
            return redirect(url_for("auth.login"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/new_password.html", form=form, user=user), status


def _link_invalid():
    return render_template("auth/reset_invalid.html", message=passwords.LINK_INVALID,
                           can_ask=passwords.reset_settings() is not None), 410


def register(bp: Blueprint) -> None:
    """Add the password views, the temporary-password guard and the login page's helpers to `bp`."""
    bp.add_url_rule("/glomt-losenord", "forgot_password", forgot_password, methods=["GET", "POST"])
    bp.add_url_rule("/losenord/<token>", "reset_password", reset_password, methods=["GET", "POST"])
    bp.add_url_rule("/nytt-losenord", "choose_password", choose_password, methods=["GET", "POST"])
    bp.before_app_request(guard_temporary_password)
    bp.app_context_processor(template_helpers)
