"""`kb area`: create, change and list areas (collaboration bodies)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from kb.cli.common import fail
from kb.cli.help import Group
from kb.exceptions import ServiceError
from kb.services import areas


@click.group("area", cls=Group)
def area_group() -> None:
    """Hantera områden (samverkansorgan som SAMLA och NOSAM GBG Sydväst)."""


@area_group.command("create")
@click.argument("key", metavar="NYCKEL")
@click.option("--name", required=True, metavar="NAMN", help="Områdets namn, t.ex. ”NOSAM GBG Sydväst”.")
@click.option("--description", default="", metavar="BESKRIVNING", help="En kort beskrivning.")
@click.option("--members-only", is_flag=True, help="Bara medlemmar (och administratörer) ser innehållet.")
@with_appcontext
def area_create(key: str, name: str, description: str, members_only: bool) -> None:
    """Skapa ett område."""
    try:
        area = areas.create(key, name, description=description, members_only=members_only, actor="kb")
    except ServiceError as exc:
        fail(exc)
    click.echo(f"Området {area.key} (”{area.name}”) skapades"
               f"{', endast för medlemmar' if area.members_only else ''}.")


@area_group.command("set")
@click.argument("key", metavar="NYCKEL")
@click.option("--name", default=None, metavar="NAMN", help="Nytt namn.")
@click.option("--description", default=None, metavar="BESKRIVNING", help="Ny beskrivning.")
@click.option("--members-only/--open", "members_only", default=None,
              help="Endast medlemmar, eller öppet för alla som får läsa.")
@click.option("--retired/--active", "retired", default=None, help="Avveckla området, eller ta det i bruk igen.")
@with_appcontext
def area_set(key: str, name: str | None, description: str | None, members_only: bool | None,
             retired: bool | None) -> None:
    """Ändra ett område."""
    try:
        area = areas.update(key, name=name, description=description, members_only=members_only,
                            retired=retired, actor="kb")
    except ServiceError as exc:
        fail(exc)
    click.echo(f"Området {area.key} är sparat.")


@area_group.command("list")
@with_appcontext
def area_list() -> None:
    """Lista områden med antal sidor och planer."""
    counts = areas.content_counts()
    for area in areas.all_areas():
        n = counts.get(area.id, {"pages": 0, "plans": 0})
        flags = [f for f, on in (("endast medlemmar", area.members_only), ("avvecklat", area.retired)) if on]
        click.echo(f"{area.key:<20} {area.name:<50} {n['pages']:>5} sidor {n['plans']:>4} planer"
                   f"{'  (' + ', '.join(flags) + ')' if flags else ''}")
