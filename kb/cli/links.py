"""`kb links check`: ask every external link in page text and list the broken ones."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from kb.cli.help import Group
from kb.services import link_check


@click.group("links", cls=Group)
def links_group() -> None:
    """Länkar i sidornas text: kontrollera externa länkar (trasiga visas under Granskning)."""


def describe(row) -> str:
    """"404" or the reason there was no answer."""
    return str(row.status) if row.status else row.error


@links_group.command("check")
@with_appcontext
def links_check() -> None:
    """Kontrollera alla externa länkar i publicerade sidor och spara vilka som är trasiga.

    Varje adress frågas med HEAD (GET om servern inte svarar på HEAD), en adress i taget per server
    och högst KB_LINKS_CONCURRENCY servrar samtidigt. Privata och lokala adresser frågas inte, om inte
    KB_LINKS_ALLOW_PRIVATE=true. Körs också en gång i veckan av kb notify."""
    found = link_check.collect()
    with click.progressbar(length=len(found), label="Kontrollerar länkar", file=sys.stderr, show_pos=True) as bar:
        report = link_check.run(found, progress=bar.update)
    click.echo(f"Kontrollerade länkar: {report.checked}. Trasiga: {report.broken}.")
    for item in link_check.broken_links():
        pages = ", ".join(p.slug for p in item.pages)
        click.echo(f"  {describe(item.check)}  {item.check.url}  (sedan {item.check.broken_since:%Y-%m-%d}; {pages})")
    if report.refused_private:
        click.echo(f"{report.refused_private} länkar går till privata eller lokala adresser och kontrollerades inte "
                   "(KB_LINKS_ALLOW_PRIVATE=true tillåter det).")
