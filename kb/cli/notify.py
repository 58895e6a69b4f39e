"""`kb notify`: notifications from the change log, reminders, the daily e-mail."""
from __future__ import annotations

import dataclasses
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from kb.cli.help import Command
from kb.dates import today
from kb.services import digests, instance, link_check, notifications, reminders, retention
from kb.services.mail import MailError


@click.command("notify", cls=Command)
@click.option("--no-mail", is_flag=True, help="Skapa bara aviseringar på Min sida; skicka ingen e-post.")
@with_appcontext
def notify_command(no_mail: bool) -> None:
    """Skapa aviseringar och påminnelser och skicka dagens e-post (säkert att köra ofta, t.ex. från cron)."""
    instance.init_instance(current_app)
    changed = notifications.notify_changes()
    reminded = reminders.create_reminders(today())
    click.echo(f"Aviseringar om ändringar: {changed}. Påminnelser: {reminded}.")
    if link_check.due():
        checked = link_check.run()
        click.echo(f"Veckans länkkontroll: {checked.checked} länkar, {checked.broken} trasiga (se Granskning).")
    pruned = retention.prune()
    if any(dataclasses.astuple(pruned)):
        click.echo(f"Rensat enligt /personuppgifter: {pruned.login_attempts} inloggningsförsök, "
                   f"{pruned.reset_requests} lösenordsbegäranden, {pruned.audit_addresses} nätverksadresser i loggen, "
                   f"{pruned.search_weeks + pruned.page_view_months} rader gammal statistik.")
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
