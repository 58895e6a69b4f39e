"""`kb groups`: which groups at the identity provider give which role (map, unmap, list)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from kb.cli.common import fail
from kb.cli.help import Group
from kb.exceptions import ServiceError
from kb.services import groups


@click.group("groups", cls=Group)
def groups_group() -> None:
    """Koppla grupper hos identitetsleverantören (OIDC eller LDAP) till roller.

    En grupp anges som leverantören skickar den: värdet i OIDC-anspråket (i Entra ID gruppens
    objekt-id) eller LDAP-gruppens DN. Rollerna följer grupperna vid varje inloggning; roller som
    getts för hand ligger kvar."""


@groups_group.command("map")
@click.argument("group", metavar="GRUPP")
@click.option("--role", "role", required=True, metavar="ROLL",
              help="Utan --area: läsare, redaktör, fastställare eller administratör. Med --area: medlem, "
                   "redaktör, fastställare eller områdesadministratör.")
@click.option("--area", "area", default=None, metavar="NYCKEL",
              help="Ge rollen i det här området (se kb area list) i stället för i hela kunskapsbanken.")
@with_appcontext
def groups_map(group: str, role: str, area: str | None) -> None:
    """Ge gruppens medlemmar en roll (ersätter gruppens tidigare roll på samma ställe)."""
    try:
        row = groups.map_group(group, role, area_key=area, actor="kb")
    except ServiceError as exc:
        fail(exc)
    click.echo(f"Gruppen ”{row.group_name}” ger nu rollen {row.role} {groups.where_label(area)}.")


@groups_group.command("unmap")
@click.argument("group", metavar="GRUPP")
@click.option("--area", "area", default=None, metavar="NYCKEL",
              help="Ta bort gruppens roll i det här området (utan: rollen i hela kunskapsbanken).")
@with_appcontext
def groups_unmap(group: str, area: str | None) -> None:
    """Sluta ge gruppens medlemmar en roll (de förlorar den genast)."""
    try:
        removed = groups.unmap(group, area_key=area, actor="kb")
    except ServiceError as exc:
        fail(exc)
    name = group.strip()
    click.echo(f"Gruppen ”{name}” ger inte längre någon roll {groups.where_label(area)}." if removed
               else f"Gruppen ”{name}” gav ingen roll {groups.where_label(area)}.")


@groups_group.command("list")
@with_appcontext
def groups_list() -> None:
    """Lista grupperna med roll, var rollen gäller och hur många konton som är med i gruppen."""
    rows = groups.mappings()
    if not rows:
        click.echo("Inga grupper är kopplade till roller.")
        return
    table = [("Grupp", "Roll", "Gäller", "Konton")] + [
        (m.group, m.role, f"området {m.area_name} ({m.area_key})" if m.area_key else "hela kunskapsbanken",
         str(m.members)) for m in rows]
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for cells in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(cells[:3], widths, strict=True)) + f"  {cells[3]:>6}")
