"""`kb search` and `kb reindex`: search from the terminal and rebuild the index."""
from __future__ import annotations

import json
import re
import sys
import time
from html import unescape

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from kb.cli.common import fail
from kb.cli.help import Command
from kb.exceptions import ValidationError
from kb.services import search

_TAGS = re.compile(r"</?mark>")


@click.command("search", cls=Command)
@click.argument("query", metavar="FRÅGA...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Skriv ut samma JSON som /api/search.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50), metavar="ANTAL",
              help="Antal träffar.")
@click.option("--type", "type_", default=None, metavar="TYP", help="Bara sidor av denna typ (t.ex. routine).")
@click.option("--area", "areas", multiple=True, metavar="OMRÅDE",
              help="Bara i detta område (och Gemensamt); kan anges flera gånger.")
@with_appcontext
def search_command(query: tuple[str, ...], as_json: bool, limit: int, type_: str | None,
                   areas: tuple[str, ...]) -> None:
    """Sök i kunskapsbanken."""
    base_url = (current_app.config.get("BASE_URL") or "http://localhost").rstrip("/")
    try:
        data = search.search_json(" ".join(query), limit, type_, base_url=base_url, areas=areas)
    except ValidationError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data["results"]:
        click.echo(f"Inga träffar för ”{data['query']}”.")
        return
    click.echo(f"{data['total']} träffar för ”{data['query']}”:")
    for n, hit in enumerate(data["results"], 1):
        # The snippet HTML holds only escaped text and <mark>.
        snippet = " ".join(_TAGS.sub("*", unescape(hit["snippet"])).split())
        area = f", {hit['area']['name']}" if hit["area"] else ""
        click.echo(f"{n:>2}. {hit['title']} ({hit['type']}{area}) – {hit['url']}")
        if snippet:
            click.echo(f"    {snippet}")


@click.command("reindex", cls=Command)
@click.option("--check", is_flag=True, help="Kontrollera bara att sökindexet stämmer med databasen.")
@with_appcontext
def reindex_command(check: bool) -> None:
    """Bygg om sökindexet från databasen (eller kontrollera det med --check)."""
    app = current_app._get_current_object()
    if check:
        sys.exit(_check(app))
    started = time.perf_counter()
    with click.progressbar(length=search.source_count(app), label="Indexerar", file=sys.stderr,
                           show_pos=True) as bar:
        count = search.rebuild_index(app, progress=lambda done, _total: bar.update(done - bar.pos))
    click.echo(f"Sökindexet är ombyggt: {count} dokument på {time.perf_counter() - started:.1f} s.")


def _check(app: Flask) -> int:
    """Print where the index and the database differ; 0 when they agree, 1 otherwise."""
    pending, problems = search.check_index(app)
    if pending:
        click.echo(f"{pending} ändringar väntar på att läggas in i sökindexet.")
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo("Sökindexet stämmer inte med databasen. Bygg om det med: kb reindex", err=True)
        return 1
    click.echo("Sökindexet stämmer med databasen.")
    return 0
