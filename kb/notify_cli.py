"""`kb notify` (notifications from the change log, reminders, the daily e-mail) and `kb user set-email`."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from kb.clihelp import Command

DEMO_WATCHER = "admin"
# Structures the demo administrator watches, and whether as if since before the content was loaded
# (so that loading it shows up as notifications); the other brings reminders and activities.
DEMO_WATCHES = (("samordningsgruppen", False), ("nosam-lerum", True))


@click.command("notify", cls=Command)
@click.option("--no-mail", is_flag=True, help="Skapa bara aviseringar på Min sida; skicka ingen e-post.")
@with_appcontext
def notify_command(no_mail: bool) -> None:
    """Skapa aviseringar och påminnelser och skicka dagens e-post (säkert att köra ofta, t.ex. från cron)."""
    from kb.cli import init_instance
    from kb.dates import today
    from kb.services import digests, notifications, reminders
    from kb.services.mail import MailError

    init_instance(current_app)
    changed = notifications.notify_changes()
    reminded = reminders.create_reminders(today())
    click.echo(f"Aviseringar om ändringar: {changed}. Påminnelser: {reminded}.")
    if no_mail:
        return
    try:
        report = digests.send_digests(today())
    except MailError as exc:
        click.echo(f"Fel: e-post är felaktigt inställd: {exc}", err=True)
        sys.exit(1)
    if not report.configured:
        click.echo("E-post är inte inställd (KB_SMTP_HOST saknas): aviseringarna finns bara på Min sida.")
        return
    click.echo(f"E-postbrev skickade: {report.sent}.")
    if report.error:
        click.echo(f"Fel: e-post kunde inte skickas: {report.error}. Aviseringarna ligger kvar och skickas "
                   "vid nästa körning.", err=True)
        sys.exit(1)


@click.command("set-email", cls=Command)
@click.argument("name", metavar="NAMN")
@click.argument("address", metavar="ADRESS")
@with_appcontext
def user_set_email(name: str, address: str) -> None:
    """Sätt ett kontos e-postadress för aviseringar ("" tar bort den)."""
    from kb.cli import _fail
    from kb.exceptions import ValidationError
    from kb.services import users

    try:
        user = users.set_email(name, address)
    except ValidationError as exc:
        _fail(exc)
    click.echo(f"{user.username} har nu e-postadressen {user.email or '(ingen)'}.")


def load_demo_notifications() -> None:
    """Demo: `admin` watches two structures; the notifier's in-app step then runs once."""
    from sqlalchemy import func, select

    from kb.constants import WatchKind
    from kb.dates import today
    from kb.extensions import db
    from kb.models import Change
    from kb.services import notifications, pages, reminders, users

    admin = users.get(DEMO_WATCHER)
    if admin is None:
        return
    first_change = db.session.scalar(select(func.min(Change.created_at)))
    for slug, all_along in DEMO_WATCHES:
        page = pages.get(slug)
        if page is not None and not page.deleted:
            row = notifications.watch(admin, WatchKind.STRUCTURE, page)
            if all_along and first_change is not None:
                row.created_at = first_change
    db.session.commit()
    notifications.notify_changes()
    reminders.create_reminders(today())


def init_app(app: Flask) -> None:
    """Add `kb notify` and `kb user set-email` to the app's CLI."""
    from kb.cli import user_group

    app.cli.add_command(notify_command)
    if "set-email" not in user_group.commands:
        user_group.add_command(user_set_email)
