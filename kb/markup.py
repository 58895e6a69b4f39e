"""Markdown to safe HTML, done once when a page is saved.

Pages are written in CommonMark with tables, strikethrough and wiki links
(``[[mål]]``, ``[[mål|text]]``, ``[[mål#avsnitt]]``). :func:`render` parses the
source once, adds heading anchors, an optional table of contents and glossary
abbreviations, and passes the result through :func:`kb.sanitize.clean`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from kb import sanitize, urls
from kb.slugs import slugify

MISSING_TITLE = "Sidan finns inte ännu – skapa den"
# What `render`'s page_exists answers for a page the readers of this page must not learn of (one in a
# members-only area other than the page's own): the link is shown as its text alone.
HIDDEN = "hidden"
TOC_TITLE = "Innehåll"
TOC_MIN_HEADINGS = 3
TOC_LEVELS = (2, 3, 4)
FALLBACK_ANCHOR = "rubrik"
FOOTNOTES_TITLE = "Fotnoter"
WIKILINK_MAX = 300  # longest [[...]] body we look for, keeps scanning linear
# Shown around each table (see `scroll_tables`).
TABLE_WRAP_OPEN = ('<div class="table-wrap" tabindex="0" role="region" '
                   'aria-label="Tabell, rulla i sidled vid behov">')
_TABLE_OPEN = re.compile(r"<table\b[^>]*>")


@dataclass(frozen=True)
class Rendered:
    """The result of rendering one page source."""

    html: str
    links: tuple[str, ...]
    # (level, text, anchor); in `html` the heading's id is the anchor with kb.sanitize's user-content- prefix.
    headings: tuple[tuple[int, str, str], ...]
    text: str


# --- Wiki links: a markdown-it inline rule and its renderer ----------------

def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """Parse ``[[target]]`` or ``[[target|text]]`` at the current position."""
    src, start = state.src, state.pos
    if not src.startswith("[[", start) or state.linkLevel > 0:
        return False
    end = src.find("]]", start + 2, min(state.posMax, start + 4 + WIKILINK_MAX))
    if end < 0:
        return False
    inner = src[start + 2:end]
    if not inner.strip() or any(ch in inner for ch in "[]\n"):
        return False
    if not silent:
        target, _, label = inner.partition("|")
        target = target.strip()
        page, _, anchor = target.partition("#")
        # Angle brackets never belong in a page name: treat such targets as text.
        slug = "" if "<" in target or ">" in target else slugify(page)
        if slug:
            token = state.push("wikilink", "a", 0)
            token.content = label.strip() or target
            token.meta = {"slug": slug, "anchor": slugify(anchor)}
        else:
            # Nothing linkable: keep the source as literal (escaped) text.
            token = state.push("text", "", 0)
            token.content = src[start:end + 2]
    state.pos = end + 2
    return True


def _render_wikilink(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    """Render a wikilink token as a link to an existing or a missing page, or as plain text (HIDDEN)."""
    token = tokens[idx]
    slug, anchor = token.meta["slug"], token.meta["anchor"]
    text = escape(token.content)
    found = env["exists"](slug)
    if found == HIDDEN:
        return text
    if found:
        # A heading's id carries kb.sanitize's user-content- prefix (kb.sanitize.user_id).
        href = env["url_for_slug"](slug) + (f"#{sanitize.user_id(anchor)}" if anchor else "")
        return f'<a class="wikilink" href="{escape(href)}">{text}</a>'
    href = env["url_for_new"](slug, token.content)
    return f'<a class="wikilink missing" href="{escape(href)}" title="{MISSING_TITLE}">{text}</a>'


def _render_glossary(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    """Render a glossary term as an <abbr> with its expansion as title."""
    token = tokens[idx]
    return f'<abbr title="{escape(token.meta["title"])}">{escape(token.content)}</abbr>'


# --- Footnotes ------------------------------------------------------------
# mdit-py-plugins parses [^1] and its definition; these rules write them in markup kb.sanitize keeps
# (its allowlist has <sup id> and <li id>, not the plugin's <section> and classes): a superscript link
# to the note, and under the heading Fotnoter a list whose items link back to each reference. The
# sanitiser gives every id the user-content- prefix and the links follow it.

def _footnote_number(token: Token) -> int:
    return int(token.meta["id"]) + 1


def _footnote_ref_id(number: int, sub: int) -> str:
    """The id of a reference: fnref1, and fnref1-2, fnref1-3 … when the note is referred to again."""
    return f"fnref{number}" + (f"-{sub + 1}" if sub > 0 else "")


def _render_footnote_ref(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    """A reference: the note's number, raised, linking to the note."""
    number = _footnote_number(tokens[idx])
    ref = _footnote_ref_id(number, int(tokens[idx].meta.get("subId", 0)))
    return f'<sup id="{ref}"><a href="#fn{number}" title="Fotnot {number}">{number}</a></sup>'


def _render_footnote_block_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    return f"<h2>{FOOTNOTES_TITLE}</h2>\n<ol>\n"


def _render_footnote_block_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    return "</ol>\n"


def _render_footnote_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    return f'<li id="fn{_footnote_number(tokens[idx])}">'


def _render_footnote_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    return "</li>\n"


def _render_footnote_anchor(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    """The way back to a reference ("tillbaka", numbered when the note is referred to more than once)."""
    number, sub = _footnote_number(tokens[idx]), int(tokens[idx].meta.get("subId", 0))
    notes = env.get("footnotes", {}).get("list", {})
    repeated = int(notes.get(number - 1, {}).get("count", 0)) > 1
    text = f"tillbaka ({sub + 1})" if repeated else "tillbaka"
    return f' <a href="#{_footnote_ref_id(number, sub)}">\u21a9\ufe0e {text}</a>'


def _build_parser() -> MarkdownIt:
    """Build the shared, fully configured MarkdownIt instance (once per process)."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.add_render_rule("wikilink", _render_wikilink)
    md.add_render_rule("glossary_term", _render_glossary)
    md.use(footnote_plugin)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_block_open", _render_footnote_block_open)
    md.add_render_rule("footnote_block_close", _render_footnote_block_close)
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_close", _render_footnote_close)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


_MD = _build_parser()


# --- Glossary ---------------------------------------------------------------

@dataclass(frozen=True)
class _Glossary:
    pattern: re.Pattern[str]
    terms: tuple[str, ...]  # term for each capture group, in group order
    expansions: Mapping[str, str]


@lru_cache(maxsize=32)
def _compile_glossary(items: tuple[tuple[str, str], ...]) -> _Glossary | None:
    """Compile glossary terms into one whole-word regex (longest terms first)."""
    terms = tuple(sorted((t for t, _ in items if t.strip()), key=len, reverse=True))
    if not terms:
        return None
    # All-caps terms (SIP, NOSAM) match case-sensitively, others ignore case.
    parts = [f"({re.escape(t)})" if t.isupper() else f"((?i:{re.escape(t)}))" for t in terms]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
    return _Glossary(pattern, terms, dict(items))


_HTML_CONTEXT_RE = re.compile(r"<(/?)(a|abbr|code|kbd)\b", re.IGNORECASE)


def _apply_glossary(children: list[Token], glossary: _Glossary, used: set[str]) -> list[Token]:
    """Wrap the first unused occurrence of each term in plain text tokens."""
    out: list[Token] = []
    depth = 0  # > 0 inside links, raw <a>/<abbr>/<code>/<kbd>
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth = max(depth - 1, 0)
        elif child.type == "html_inline" and (m := _HTML_CONTEXT_RE.match(child.content)):
            depth = max(depth + (-1 if m.group(1) else 1), 0)
        elif child.type == "text" and depth == 0 and len(used) < len(glossary.terms):
            out.extend(_split_terms(child.content, glossary, used))
            continue
        out.append(child)
    return out


def _split_terms(text: str, glossary: _Glossary, used: set[str]) -> list[Token]:
    """Split one text into text and glossary_term tokens."""
    pieces: list[Token] = []
    last = 0
    for m in glossary.pattern.finditer(text):
        term = glossary.terms[(m.lastindex or 1) - 1]
        if term in used:
            continue
        used.add(term)
        if m.start() > last:
            pieces.append(Token("text", "", 0, content=text[last:m.start()]))
        abbr = Token("glossary_term", "abbr", 0, content=m.group())
        abbr.meta = {"title": glossary.expansions[term]}
        pieces.append(abbr)
        last = m.end()
    if last < len(text):
        pieces.append(Token("text", "", 0, content=text[last:]))
    return pieces


# --- Plain text ---------------------------------------------------------------

class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, skipping script and style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> str:
    """Return the readable text of a raw HTML block."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


_SPACES_RE = re.compile(r"[ \t]{2,}")


def _inline_text(children: Sequence[Token] | None) -> str:
    """Return the plain text of an inline token's children."""
    parts: list[str] = []
    for child in children or ():
        if child.type in ("text", "code_inline", "wikilink", "glossary_term"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return _SPACES_RE.sub(" ", "".join(parts)).strip()


# --- Token walk: anchors, links, text, glossary -------------------------------

def _unique_anchor(base: str, used: set[str]) -> str:
    """Return base, or base-2, base-3 … whichever is not yet used."""
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def _walk(
    tokens: list[Token], glossary: _Glossary | None
) -> tuple[list[str], list[tuple[int, str, str]], str]:
    """Annotate tokens in place; return (links, headings, plain text)."""
    links: dict[str, None] = {}
    headings: list[tuple[int, str, str]] = []
    anchors: set[str] = set()
    used_terms: set[str] = set()
    lines: list[str] = []
    row: list[str] | None = None
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            text = _inline_text(tokens[i + 1].children)
            anchor = _unique_anchor(slugify(text) or FALLBACK_ANCHOR, anchors)
            tok.attrSet("id", anchor)
            headings.append((int(tok.tag[1]), text, anchor))
        elif tok.type in ("th_open", "td_open"):
            # The sanitizer forbids style; keep column alignment as align="…".
            style = str(tok.attrs.pop("style", ""))
            if style.startswith("text-align:"):
                tok.attrSet("align", style.partition(":")[2])
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            # Cells apart by a middle dot: the text is plain text (search snippets show it), not Markdown.
            lines.append(" · ".join(cell for cell in row if cell))
            row = None
        elif tok.type == "inline":
            children = tok.children or []
            for child in children:
                if child.type == "wikilink":
                    links.setdefault(child.meta["slug"], None)
            text = _inline_text(children)
            (row if row is not None else lines).append(text)
            if glossary and tokens[i - 1].type != "heading_open":
                tok.children = _apply_glossary(children, glossary, used_terms)
        elif tok.type in ("fence", "code_block"):
            lines.append(tok.content.strip("\n"))
        elif tok.type == "html_block":
            lines.append(_html_text(tok.content))
    text = "\n".join(line for line in lines if line.strip())
    return list(links), headings, text


def _toc(headings: Sequence[tuple[int, str, str]]) -> str:
    """Return a nested table of contents for h2–h4, or '' if there are too few."""
    items = [h for h in headings if h[0] in TOC_LEVELS]
    if len(items) < TOC_MIN_HEADINGS:
        return ""
    base = min(level for level, _, _ in items)
    out = [f'<nav class="toc" aria-label="{TOC_TITLE}"><p class="toc-title">{TOC_TITLE}</p><ol>']
    prev = -1
    for level, text, anchor in items:
        depth = min(level - base, prev + 1)  # never skip a nesting level
        if prev >= 0 and depth > prev:
            out.append("<ol>")
        elif prev >= 0:
            out.append("</li>" + "</ol></li>" * (prev - depth))
        out.append(f'<li><a href="#{escape(anchor)}">{escape(text)}</a>')
        prev = depth
    out.append("</li>" + "</ol></li>" * prev + "</ol></nav>\n")
    return "".join(out)


# --- Public API ---------------------------------------------------------------

def scroll_tables(html: str) -> str:
    """Sanitised page HTML as it is shown: each table in its own scroll box.

    A wide table then scrolls sideways inside its box (focusable, so a keyboard can scroll it too)
    instead of making the whole page scroll sideways on a phone. Done when the HTML is shown, not
    when it is stored, so pages saved earlier and the JSON API's plain HTML need no change; the box
    is ours, not the user's, so it is added after sanitising.
    """
    if "<table" not in html:
        return html
    return _TABLE_OPEN.sub(lambda m: TABLE_WRAP_OPEN + m.group(0), html).replace("</table>", "</table></div>")


def render(
    source: str,
    *,
    page_exists: Callable[[str], bool | str] = lambda s: True,
    url_for_slug: Callable[[str], str] = urls.page_path,
    url_for_new: Callable[[str, str], str] = urls.new_page_path,
    glossary: Mapping[str, str] | None = None,
    image_hosts: Collection[str] = (),
) -> Rendered:
    """Render Markdown source to sanitised HTML plus links, headings and text.

    `page_exists` answers True, False (a link to create the page) or HIDDEN (plain text) per slug.
    `image_hosts` are the hosts images may load from besides kb itself (see kb.sanitize.clean).
    """
    known: dict[str, bool | str] = {}

    def exists(slug: str) -> bool | str:
        if slug not in known:
            found = page_exists(slug)
            known[slug] = HIDDEN if found == HIDDEN else bool(found)
        return known[slug]

    env = {"exists": exists, "url_for_slug": url_for_slug, "url_for_new": url_for_new}
    tokens = _MD.parse(source or "", env)
    matcher = _compile_glossary(tuple(glossary.items())) if glossary else None
    links, headings, text = _walk(tokens, matcher)
    body = _MD.renderer.render(tokens, _MD.options, env)
    html = sanitize.clean(_toc(headings) + body, image_hosts=image_hosts)
    return Rendered(html=html, links=tuple(links), headings=tuple(headings), text=text)


def plain_text(source: str) -> str:
    """Return the readable text of Markdown source, without any markup."""
    return _walk(_MD.parse(source or "", {}), None)[2]
