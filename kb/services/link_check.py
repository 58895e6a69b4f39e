"""Broken external links: `kb links check` (and weekly from `kb notify`) and the list under Granskning.

Every http(s) address in the published text of a live page is asked for with bounded concurrency: the
addresses of one host one after another (politeness), at most KB_LINKS_CONCURRENCY hosts at a time,
each request with KB_LINKS_TIMEOUT and a user agent that says who asks. HEAD first; a server that
refuses HEAD is asked with GET (the body is not read). Redirects are followed (at most five).

Never private, loopback, link-local or otherwise reserved addresses, nor names that resolve to one,
unless KB_LINKS_ALLOW_PRIVATE=true (an intranet, the tests): a link in page text must not make kb
probe the network it runs in. The connection goes to the address that was checked, so a name cannot
resolve to something else between the check and the request.

A link is broken when the answer is 4xx/5xx (but 429: "too many requests" says nothing about the
link) or there is no answer. `broken_since` keeps the first failure of the current run of failures.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import urllib3
from flask import current_app
from sqlalchemy import select

from kb.constants import AuditAction
from kb.extensions import db
from kb.models import AuditEvent, LinkCheck, Page, PageLink, SlugAlias
from kb.models.base import utcnow
from kb.services import audit

MAX_URL = 2000
MAX_REDIRECTS = 5
WEEK = timedelta(days=7)
USER_AGENT = "kb-lankkontroll/1.0 (kunskapsbanken för vårdsamverkan; kontrollerar länkar i sidornas text)"
RETRY_WITH_GET = {400, 403, 405, 501}


class Refused(Exception):
    """The address may not be asked (private network, unknown scheme, no such host)."""


@dataclass(frozen=True)
class Result:
    """What asking one address found."""

    url: str
    broken: bool
    status: int | None = None
    error: str = ""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.lower().startswith(("http://", "https://")) and len(href) <= MAX_URL:
                self.found.append(href.split("#", 1)[0])


def external_links(html: str) -> list[str]:
    """The http(s) addresses a page's HTML links to, without fragments, in order, once each."""
    parser = _Links()
    parser.feed(html or "")
    return list(dict.fromkeys(parser.found))


def collect() -> dict[str, list[int]]:
    """Every external address in the published text of live pages → the ids of those pages."""
    own = urlsplit(current_app.config.get("BASE_URL") or "").netloc.lower()
    found: dict[str, list[int]] = {}
    rows = db.session.execute(select(Page.id, Page.html).where(Page.deleted.is_(False),
                                                               Page.published_revision_id.is_not(None)))
    for page_id, html in rows:
        for url in external_links(html):
            if own and urlsplit(url).netloc.lower() == own:
                continue  # kb's own pages: a wiki link, not an external one
            found.setdefault(url, []).append(page_id)
    return found


def _allowed_address(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused("Namnet finns inte") from exc
    addresses = [info[4][0] for info in infos]
    if not allow_private and not all(_allowed_address(a) for a in addresses):
        raise Refused("Adressen är privat eller lokal och kontrolleras inte")
    return addresses[0]


def _ask(url: str, method: str, *, timeout: float, allow_private: bool) -> tuple[int, str | None]:
    """(status, Location) of one request to the address `url`'s host resolves to (checked first)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Inte en webbadress")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ip = _resolve(parts.hostname, port, allow_private)
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    kwargs = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(ip, port, server_hostname=parts.hostname, assert_hostname=parts.hostname,
                                           cert_reqs="CERT_REQUIRED", **kwargs)
    else:
        pool = urllib3.HTTPConnectionPool(ip, port, **kwargs)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        response = pool.urlopen(method, path, headers={"Host": host_header, "User-Agent": USER_AGENT,
                                                       "Accept": "*/*"},
                                redirect=False, preload_content=False, assert_same_host=False)
        try:
            return response.status, response.headers.get("Location")
        finally:
            response.release_conn()
            response.close()
    finally:
        pool.close()


def check_url(url: str, *, timeout: float, allow_private: bool) -> Result:
    """Ask one address (following redirects) and say whether it is broken."""
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            status, location = _ask(current, "HEAD", timeout=timeout, allow_private=allow_private)
            if status in RETRY_WITH_GET:
                status, location = _ask(current, "GET", timeout=timeout, allow_private=allow_private)
            if 300 <= status < 400 and location:
                current = urljoin(current, location)
                continue
            return Result(url, broken=status >= 400 and status != 429, status=status)
        return Result(url, broken=True, error="För många omdirigeringar")
    except Refused as exc:
        return Result(url, broken=True, error=str(exc))
    except urllib3.exceptions.SSLError:
        return Result(url, broken=True, error="Certifikatet godtas inte")
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        return Result(url, broken=True, error="Inget svar inom tidsgränsen")
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Result(url, broken=True, error=f"Servern gick inte att nå ({type(exc).__name__})")


@dataclass(frozen=True)
class Report:
    """What one run found."""

    checked: int
    broken: int
    refused_private: int


def run(found: dict[str, list[int]] | None = None, progress: Callable[[int], None] | None = None, *,
        now: datetime | None = None) -> Report:
    """Check the external links `found` (default: `collect()`) and store the results; `progress(n)`
    after each host's n addresses."""
    config = current_app.config
    timeout = float(config["LINKS_TIMEOUT"])
    allow_private = bool(config["LINKS_ALLOW_PRIVATE"])
    found = collect() if found is None else found
    by_host: dict[str, list[str]] = {}
    for url in found:
        by_host.setdefault(urlsplit(url).netloc.lower(), []).append(url)
    results: list[Result] = []
    total = len(found)

    def one_host(urls: list[str]) -> list[Result]:
        return [check_url(u, timeout=timeout, allow_private=allow_private) for u in urls]

    with ThreadPoolExecutor(max_workers=max(1, int(config["LINKS_CONCURRENCY"]))) as pool:
        for batch in pool.map(one_host, by_host.values()):
            results.extend(batch)
            if progress is not None:
                progress(len(batch))
    _store(found, results, now or utcnow())
    return Report(checked=total, broken=sum(r.broken for r in results),
                  refused_private=sum(r.error.startswith("Adressen är privat") for r in results))


def _store(found: dict[str, list[int]], results: list[Result], now: datetime) -> None:
    existing = {c.url: c for c in db.session.scalars(select(LinkCheck))}
    for result in results:
        row = existing.pop(result.url, None)
        if row is None:
            row = LinkCheck(url=result.url)
            db.session.add(row)
        row.page_ids = sorted(set(found[result.url]))
        row.status, row.error, row.checked_at = result.status, result.error[:300], now
        if result.broken and not row.broken:
            row.broken_since = now
        elif not result.broken:
            row.broken_since = None
        row.broken = result.broken
    for gone in existing.values():  # no live page links there any more
        db.session.delete(gone)
    broken = sum(r.broken for r in results)
    audit.record(AuditAction.LINKS_CHECKED, "", f"{len(results)} länkar, {broken} trasiga").created_at = now
    db.session.commit()


def due(now: datetime | None = None) -> bool:
    """Whether a week has passed since the last check (or there has been none): `kb notify` runs it then."""
    last = db.session.scalar(select(AuditEvent.created_at).where(AuditEvent.action == AuditAction.LINKS_CHECKED.value)
                             .order_by(AuditEvent.id.desc()).limit(1))
    return last is None or (now or utcnow()) - last >= WEEK


@dataclass(frozen=True)
class BrokenLink:
    """A broken link as the review list shows it."""

    check: LinkCheck
    pages: list[Page]


def broken_links(hidden: frozenset[int] = frozenset()) -> list[BrokenLink]:
    """Broken external links with their live pages (none of the `hidden` areas), longest broken first."""
    checks = list(db.session.scalars(select(LinkCheck).where(LinkCheck.broken.is_(True))
                                     .order_by(LinkCheck.broken_since, LinkCheck.url)))
    ids = {i for c in checks for i in c.page_ids}
    by_id = {p.id: p for p in db.session.scalars(select(Page).where(Page.id.in_(ids), Page.deleted.is_(False)))}
    out = []
    for check in checks:
        shown = [by_id[i] for i in check.page_ids if i in by_id and by_id[i].area_id not in hidden]
        if shown:
            out.append(BrokenLink(check, sorted(shown, key=lambda p: p.title)))
    return out


def missing_pages(hidden: frozenset[int] = frozenset()) -> list[tuple[str, list[Page]]]:
    """Wiki links to pages that do not exist: (slug, live pages linking there), by slug."""
    existing = select(Page.slug)
    rows = db.session.execute(select(PageLink.target_slug, Page).join(Page, Page.id == PageLink.source_id)
                              .where(Page.deleted.is_(False), PageLink.target_slug.not_in(existing),
                                     PageLink.target_slug.not_in(select(SlugAlias.slug)))
                              .order_by(PageLink.target_slug, Page.title))
    out: dict[str, list[Page]] = {}
    for slug, page in rows:
        if page.area_id not in hidden:
            out.setdefault(slug, []).append(page)
    return list(out.items())
