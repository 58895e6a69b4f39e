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

_TAGS = re.compile(r"</?mark>")


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Skriv ut samma JSON som /api/search.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50), help="Antal träffar.")
@click.option("--type", "type_", default=None, help="Bara sidor av denna typ (t.ex. routine).")
@with_appcontext
def search_command(query: tuple[str, ...], as_json: bool, limit: int, type_: str | None) -> None:
    """Sök i kunskapsbanken."""
    from kb.api.search import search_json

    app = current_app._get_current_object()
    # url_for(_external=True) outside a request needs a server name; the CLI has none.
    with app.test_request_context(base_url=app.config.get("BASE_URL", "http://localhost")):
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


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Bygg om sökindexet från databasen."""
    app = current_app._get_current_object()
    started = time.perf_counter()
    with click.progressbar(length=index.source_count(app), label="Indexerar", file=sys.stderr,
                           show_pos=True) as bar:
        count = index.rebuild(app, progress=lambda done, _total: bar.update(done - bar.pos))
    click.echo(f"Sökindexet är ombyggt: {count} dokument på {time.perf_counter() - started:.1f} s.")
