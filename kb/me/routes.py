"""Min sida, watches, notifications, e-mail choices, "Byt lösenord" and "Logga ut överallt": thin views over
services."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from kb.auth.guards import load_page
from kb.constants import WatchKind
from kb.dates import today
from kb.exceptions import ValidationError
from kb.forms import ConfirmForm
from kb.me.forms import ChangePasswordForm, EmailForm, EndSessionsForm, PageTypeWatchForm, UnsubscribeForm
from kb.services import digests, my_page, notifications, passwords, users

bp = Blueprint("me", __name__)


@bp.app_context_processor
def header_helpers() -> dict:
    """Template helpers: the unread count for the header and a page's watch state (both lazy)."""

    def unread_notifications() -> int:
        return notifications.header_count(current_user) if current_user.is_authenticated else 0

    def watch_state(page) -> notifications.WatchState:
        return notifications.watch_state(current_user, page)

    return {"unread_notifications": unread_notifications, "watch_state": watch_state}


def _checked(form) -> None:
    if not form.validate_on_submit():
        abort(400)


@bp.get("/min-sida")
@login_required
def index():
    """Everything that waits for the user: approvals, reviews, flags, activities and notifications."""
    return render_template("me/index.html", mine=my_page.for_user(current_user, today()), today=today(),
                           action=ConfirmForm(), end_sessions=EndSessionsForm(),
                           password_note=passwords.may_change(current_user))


@bp.post("/min-sida/logga-ut-overallt")
@login_required
def end_sessions():
    """"Logga ut överallt": end the user's sessions in every browser and on every device, this one too."""
    _checked(EndSessionsForm())
    users.end_sessions(current_user, everywhere=True)
    logout_user()
    flash("Du är utloggad överallt: i alla webbläsare och på alla enheter där du var inloggad. "
          "Logga in igen för att fortsätta.", "info")
    return redirect(url_for("pages.start"))


@bp.route("/min-sida/losenord", methods=["GET", "POST"])
@login_required
def change_password():
    """"Byt lösenord": the current password and a new one twice; the user's other sessions end, this
    browser stays logged in. Accounts without a usable local password get a note instead of the form."""
    refused = passwords.may_change(current_user)
    if refused:
        return render_template("me/password.html", form=None, refused=refused), 403 if request.method == "POST" else 200
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            passwords.change(user, form.current_password.data, form.password.data, request.remote_addr or "")
        except ValidationError as exc:
            form.add_service_errors(exc, "password")
            status = 422
        else:
            login_user(user)  # the new session token ended every session, this one too
            flash("Ditt lösenord är bytt. Du är utloggad i alla andra webbläsare och på alla andra enheter.",
                  "success")
            return redirect(url_for("me.index"))
    elif form.is_submitted():
        status = 422
    return render_template("me/password.html", form=form, refused=None), status


@bp.post("/min-sida/aviseringar/<int:notification_id>/last")
@login_required
def mark_read(notification_id: int):
    """Mark one of the user's notifications as read."""
    _checked(ConfirmForm())
    if not notifications.mark_read(current_user, notification_id):
        abort(404)
    flash("Aviseringen är markerad som läst.", "success")
    return redirect(url_for("me.index") + "#aviseringar")


@bp.post("/min-sida/aviseringar/alla-lasta")
@login_required
def mark_all_read():
    """Mark all the user's notifications as read."""
    _checked(ConfirmForm())
    count = notifications.mark_all_read(current_user)
    flash(f"{count} {'avisering är markerad' if count == 1 else 'aviseringar är markerade'} som lästa."
          if count else "Det fanns inga olästa aviseringar.", "success")
    return redirect(url_for("me.index") + "#aviseringar")


@bp.route("/min-sida/bevakningar", methods=["GET", "POST"])
@login_required
def watches():
    """The user's watches, with a remove button each and a form to watch a page type."""
    form = PageTypeWatchForm()
    if form.validate_on_submit():
        try:
            notifications.watch(current_user, WatchKind.PAGE_TYPE, form.page_type.data)
        except ValidationError as exc:
            flash(next(iter(exc.errors.values())), "error")
        else:
            label = notifications.type_watch_label(form.page_type.data)
            flash(f"Du bevakar nu {label}." + _mail_note(), "success")
            return redirect(url_for("me.watches"))
    return render_template("me/watches.html", items=notifications.watches_of(current_user), form=form,
                           action=ConfirmForm())


@bp.post("/min-sida/bevakningar/<int:watch_id>/ta-bort")
@login_required
def remove_watch(watch_id: int):
    """Stop one of the user's watches."""
    _checked(ConfirmForm())
    if not notifications.unwatch(current_user, watch_id):
        abort(404)
    flash("Bevakningen är borttagen.", "success")
    return redirect(url_for("me.watches"))


def _mail_note() -> str:
    if current_user.email and current_user.email_notifications:
        return " De kommer på Min sida och med e-post, högst ett brev per dag."
    return " De kommer på Min sida."


@bp.post("/sida/<slug>/bevaka")
@login_required
def watch_page(slug: str):
    """Watch a page (a structure page: the structure with its pages, plans and activities)."""
    _checked(ConfirmForm())
    page = load_page(slug)
    kind = notifications.page_watch_kind(page)
    try:
        notifications.watch(current_user, kind, page)
    except ValidationError as exc:
        flash(next(iter(exc.errors.values())), "error")
    else:
        what = "strukturen" if kind is WatchKind.STRUCTURE else "sidan"
        flash(f"Du bevakar nu {what} ”{page.title}” och får aviseringar när något ändras." + _mail_note(),
              "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.post("/sida/<slug>/sluta-bevaka")
@login_required
def unwatch_page(slug: str):
    """Stop watching a page (or structure) from the page itself."""
    _checked(ConfirmForm())
    page = load_page(slug)
    own = notifications.watch_state(current_user, page).own
    if own is not None:
        notifications.unwatch(current_user, own.id)
    flash(f"Du bevakar inte längre ”{page.title}”.", "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.route("/min-sida/e-post", methods=["GET", "POST"])
@login_required
def email():
    """The user's own e-mail address and e-mail choice."""
    form = EmailForm(obj=current_user)
    status = 200
    if form.validate_on_submit():
        users.set_email(current_user.username, form.email.data or "",
                        notifications=bool(form.email_notifications.data), actor=current_user.username)
        flash("Dina e-postinställningar är sparade.", "success")
        return redirect(url_for("me.email"))
    if form.is_submitted():
        status = 422
    return render_template("me/email.html", form=form, subject=current_user, own=True), status


@bp.route("/avsluta-epost/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Turn off e-mail from the link in a digest: a confirmation form (no login), then a POST."""
    user = digests.user_for_token(token)
    if user is None:
        return render_template("me/unsubscribe.html", user=None, form=None, done=False), 404
    form = UnsubscribeForm()
    if form.validate_on_submit():
        users.stop_email(user)
        return render_template("me/unsubscribe.html", user=user, form=None, done=True)
    return render_template("me/unsubscribe.html", user=user, form=form, done=False)
