"""Login and logout views."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_user, logout_user

from kb import urls
from kb.auth import oidc
from kb.auth import passwords as password_views
from kb.auth.forms import LoginForm
from kb.auth.pages import render_login
from kb.extensions import login_manager
from kb.forms import ConfirmForm
from kb.services import sign_in, users

bp = Blueprint("auth", __name__)
password_views.register(bp)  # "Glömt lösenordet?", its link and the new password after a temporary one


@login_manager.user_loader
def load_user(session_id: str):
    """Flask-Login: the user behind a session (None once its sessions have ended: logout, disabled,
    new password or role)."""
    return users.load(session_id)


def safe_next(target: str | None) -> str:
    """Only redirect to paths on this site after login."""
    return urls.local_path(target) or url_for("pages.start")


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    """Log in with username and password."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = sign_in.password_login(form.username.data, form.password.data, request.remote_addr or "")
        except users.LoginRefused as exc:
            form.password.errors = [str(exc)]
            status = 401
        else:
            login_user(user)
            flash(f"Välkommen, {user.name}!", "success")
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 422
    return render_login(form, status=status)


@bp.post("/logga-ut")
def logout():
    """Log out (a POST with a CSRF token, never a GET); a saved copy of the cookie no longer works."""
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        users.end_sessions(current_user)
        logout_user()
        flash("Du är utloggad.", "info")
        provider = oidc.logout_url()
        if provider:  # end the session at the identity provider too
            return redirect(provider)
    return redirect(url_for("pages.start"))
