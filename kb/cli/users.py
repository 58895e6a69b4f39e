"""`kb user`: create, change and list accounts."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from kb.cli.common import fail, parse_role, read_password
from kb.cli.help import Group
from kb.constants import AreaRole
from kb.exceptions import ServiceError, ValidationError
from kb.services import areas, users


@click.group("user", cls=Group)
def user_group() -> None:
    """Hantera användarkonton."""


@user_group.command("create")
@click.argument("name", metavar="NAMN")
@click.option("--role", "role", default="läsare", show_default=True, metavar="ROLL",
              help="läsare, redaktör, fastställare eller administratör")
@click.option("--display-name", default="", metavar="NAMN", help="Namn som visas.")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in.")
@with_appcontext
def user_create(name: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Skapa ett konto."""
    parsed = parse_role(role)
    try:
        user = users.create(name, read_password(password_stdin), parsed, display_name=display_name)
    except ValidationError as exc:
        fail(exc)
    click.echo(f"Användaren {user.username} skapades med rollen {user.role}.")


@user_group.command("set-role")
@click.argument("name", metavar="NAMN")
@click.argument("role", metavar="ROLL")
@with_appcontext
def user_set_role(name: str, role: str) -> None:
    """Byt roll för ett konto."""
    try:
        user = users.set_role(name, parse_role(role))
    except ValidationError as exc:
        fail(exc)
    click.echo(f"{user.username} har nu rollen {user.role}.")


@user_group.command("set-password")
@click.argument("name", metavar="NAMN")
@click.option("--temporary", is_flag=True,
              help="Tillfälligt lösenord: användaren måste välja ett eget vid nästa inloggning.")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in.")
@with_appcontext
def user_set_password(name: str, temporary: bool, password_stdin: bool) -> None:
    """Sätt ett nytt lösenord för ett lokalt konto (kontot loggas ut överallt)."""
    try:
        user = users.set_password(name, read_password(password_stdin), temporary=temporary)
    except ValidationError as exc:
        fail(exc)
    click.echo(f"{user.username} har ett nytt {'tillfälligt ' if temporary else ''}lösenord och är utloggad överallt."
               + (" Ett eget lösenord väljs vid nästa inloggning." if temporary else ""))


@user_group.command("break-glass")
@click.argument("name", metavar="NAMN")
@click.option("--on/--off", "on", required=True,
              help="--on: får logga in med lokalt lösenord när KB_LOCAL_LOGIN=false; --off: tar bort det.")
@with_appcontext
def user_break_glass(name: str, on: bool) -> None:
    """Gör en administratör till nödadministratör (--on) eller inte (--off)."""
    try:
        user = users.set_break_glass(name, on)
    except ValidationError as exc:
        fail(exc)
    click.echo(f"{user.username} är {'nu' if on else 'inte längre'} nödadministratör"
               + (": kan logga in med lokalt lösenord även när lokala lösenord är avstängda." if on else "."))


@user_group.command("disable")
@click.argument("name", metavar="NAMN")
@with_appcontext
def user_disable(name: str) -> None:
    """Inaktivera ett konto (det kan inte längre logga in)."""
    try:
        user = users.set_disabled(name, True)
    except ValidationError as exc:
        fail(exc)
    click.echo(f"{user.username} är inaktiverad.")


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """Lista konton."""
    rows = users.all_users()
    if not rows:
        click.echo("Inga användare. Skapa en administratör med: kb user create NAMN --role administratör")
    names = {a.id: a.key for a in areas.all_areas()}
    for u in rows:
        status = ("inaktiverad" if u.disabled else "aktiv") + (" nödadministratör" if u.break_glass else "")
        held = ", ".join(f"{r.value} i {names[a]}" for a, r in sorted(u.area_roles.items()) if a in names)
        click.echo(f"{u.username:<24} {u.role:<14} {status}{'  ' + held if held else ''}")


@user_group.command("set-email")
@click.argument("name", metavar="NAMN")
@click.argument("address", metavar="ADRESS")
@with_appcontext
def user_set_email(name: str, address: str) -> None:
    """Sätt ett kontos e-postadress för aviseringar ("" tar bort den)."""
    try:
        user = users.set_email(name, address)
    except ValidationError as exc:
        fail(exc)
    click.echo(f"{user.username} har nu e-postadressen {user.email or '(ingen)'}.")


@user_group.command("grant")
@click.argument("name", metavar="NAMN")
@click.option("--area", "area", required=True, metavar="NYCKEL", help="Områdets nyckel (se kb area list).")
@click.option("--role", "role", required=True, metavar="ROLL",
              help="medlem, redaktör, fastställare eller områdesadministratör")
@with_appcontext
def user_grant(name: str, area: str, role: str) -> None:
    """Ge ett konto en roll i ett område."""
    try:
        parsed = AreaRole.parse(role)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--role") from exc
    try:
        areas.grant(name, area, parsed, actor="kb")
    except ServiceError as exc:
        fail(exc)
    click.echo(f"{name.strip().lower()} är nu {parsed.value} i området {area.strip().lower()}.")


@user_group.command("revoke")
@click.argument("name", metavar="NAMN")
@click.option("--area", "area", required=True, metavar="NYCKEL", help="Områdets nyckel.")
@with_appcontext
def user_revoke(name: str, area: str) -> None:
    """Ta bort ett kontos roll i ett område."""
    try:
        removed = areas.revoke(name, area, actor="kb")
    except ServiceError as exc:
        fail(exc)
    who, key = name.strip().lower(), area.strip().lower()
    click.echo(f"{who} har inte längre någon roll i området {key}." if removed
               else f"{who} hade ingen roll i området {key}.")
