"""`kb search` and `kb reindex`: search from the terminal and rebuild the index."""
from __future__ import annotations

import json
import re
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from kb import index
from kb.clihelp import Command

_TAGS = re.compile(r"</?mark>")


@click.command("search", cls=Command)
@click.argument("query", metavar="FRÅGA...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Skriv ut samma JSON som /api/search.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50), metavar="ANTAL",
              help="Antal träffar.")
@click.option("--type", "type_", default=None, metavar="TYP", help="Bara sidor av denna typ (t.ex. routine).")
@with_appcontext
def search_command(query: tuple[str, ...], as_json: bool, limit: int, type_: str | None) -> None:
    """Sök i kunskapsbanken."""
    from kb.api.search import search_json

    app = current_app._get_current_object()
    # url_for(_external=True) outside a request needs a server name; the CLI has none.
    with app.test_request_context(base_url=app.config.get("BASE_URL") or "http://localhost"):
        data = search_json(" ".join(query), limit, type_)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data["results"]:
        click.echo(f"Inga träffar för ”{data['query']}”.")
        return
    click.echo(f"{data['total']} träffar för ”{data['query']}”:")
    for n, hit in enumerate(data["results"], 1):
        snippet = " ".join(_TAGS.sub("*", _unescape(hit["snippet"])).split())
        click.echo(f"{n:>2}. {hit['title']} ({hit['type']}) – {hit['url']}")
        if snippet:
            click.echo(f"    {snippet}")


def _unescape(html: str) -> str:
    """Snippet HTML back to text (it only holds escaped text and <mark>)."""
    from html import unescape

    return unescape(html)


@click.command("reindex", cls=Command)
@click.option("--check", is_flag=True, help="Kontrollera bara att sökindexet stämmer med databasen.")
@with_appcontext
def reindex_command(check: bool) -> None:
    """Bygg om sökindexet från databasen (eller kontrollera det med --check)."""
    app = current_app._get_current_object()
    if check:
        sys.exit(_check(app))
    started = time.perf_counter()
    with click.progressbar(length=index.source_count(app), label="Indexerar", file=sys.stderr,
                           show_pos=True) as bar:
        count = index.rebuild(app, progress=lambda done, _total: bar.update(done - bar.pos))
    click.echo(f"Sökindexet är ombyggt: {count} dokument på {time.perf_counter() - started:.1f} s.")


def _check(app) -> int:
    """Print where the index and the database differ; 0 when they agree, 1 otherwise."""
    from kb.index import generations

    pending = index.status(app)["pending"]
    if pending:
        click.echo(f"{pending} ändringar väntar på att läggas in i sökindexet.")
    problems = generations.verify(app)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo("Sökindexet stämmer inte med databasen. Bygg om det med: kb reindex", err=True)
        return 1
    click.echo("Sökindexet stämmer med databasen.")
    return 0
