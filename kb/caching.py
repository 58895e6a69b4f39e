"""HTTP caching: conditional GETs for views and fingerprinted static files.

Conditional GETs. A view that is cheap to validate calls `not_modified(...)` once it has loaded
its main row, before anything is rendered. The validator is a hash of everything the response
can show (see `validator`): what the view passes in (its row's id, revision and times), the
newest changes in the change log (every write to pages, plans, activities, attachments and the
glossary records a `Change` in the same transaction), today's date (overdue and review states),
the user and their session (edit buttons, CSRF tokens), the settings that change a page and the
software itself. A matching `If-None-Match` (or, for anonymous visitors, `If-Modified-Since`)
answers 304 without rendering; a 200 gets `ETag`/`Last-Modified` from the `after_request` hook.
Responses stay `private, no-cache`, so browsers revalidate and shared caches never store them.

Static files. `url_for("static", filename=...)` adds `?v=<first 12 hex of the file's SHA-256>`;
a request whose `v` matches the file's current fingerprint is served as immutable for a year,
anything else with a short lifetime.
"""
from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request, send_from_directory, session
from flask_login import current_user
from werkzeug.http import is_resource_modified
from werkzeug.security import safe_join

from kb.dates import STOCKHOLM, today
from kb.extensions import db
from kb.models.areas import closed_area_ids, offer_closed_area_ids
from kb.permissions import hidden_areas
from kb.services import changes

# Bump when responses change in a way the hash of kb's code and templates cannot see.
VERSION = "1"
ONE_YEAR = 365 * 24 * 60 * 60
# Static files requested without (or with an outdated) fingerprint: a short lifetime only.
SHORT_MAX_AGE = 5 * 60
FINGERPRINT_LENGTH = 12

# Per process: absolute path → (mtime_ns, size, fingerprint).
_fingerprints: dict[str, tuple[int, int, str]] = {}
# Per process: kb's root path → (hash of its code and templates, newest modification time).
_builds: dict[str, tuple[str, datetime]] = {}


# --- static files ------------------------------------------------------------------------------

def fingerprint(filename: str, app: Flask | None = None) -> str | None:
    """The first hex digits of a static file's SHA-256 (None if it does not exist), cached by mtime."""
    app = app or current_app
    path = safe_join(str(app.static_folder), filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    cached = _fingerprints.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:FINGERPRINT_LENGTH]
    _fingerprints[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def add_static_version(endpoint: str, values: dict[str, Any]) -> None:
    """url_defaults hook: static URLs carry their file's fingerprint as `v`."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = fingerprint(values["filename"])
        if version is not None:
            values["v"] = version


def serve_static(filename: str) -> Response:
    """The static view: a year and `immutable` for the current fingerprint, a short lifetime otherwise."""
    versioned = request.args.get("v") is not None and request.args.get("v") == fingerprint(filename)
    response = send_from_directory(str(current_app.static_folder), filename,
                                   max_age=ONE_YEAR if versioned else SHORT_MAX_AGE)
    response.cache_control.immutable = versioned or None
    return response


def static_signature(app: Flask) -> str:
    """A hash of every static file's fingerprint (pages embed them in their URLs). Each file is
    stat'ed per call (a changed file changes the pages' validators at once); the signature is hashed
    again only when one of them changed."""
    names = app.extensions.get("kb_static_names")
    if names is None:  # listed once per process
        root = Path(str(app.static_folder))
        names = app.extensions["kb_static_names"] = sorted(
            p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    prints = tuple(fingerprint(n, app) for n in names)
    kept = app.extensions.get("kb_static_signature")
    if kept is not None and kept[0] == prints:
        return kept[1]
    signature = hashlib.sha256("|".join(f"{n}={f}" for n, f in zip(names, prints, strict=True)).encode()).hexdigest()
    app.extensions["kb_static_signature"] = (prints, signature)
    return signature


# --- conditional GETs --------------------------------------------------------------------------

def build(app: Flask) -> tuple[str, datetime]:
    """A hash of kb's code and templates and their newest modification time, once per process.

    Templates and code are loaded once per process in production, so a change needs a restart,
    which also recomputes this. (In debug mode, where templates reload, views never answer 304.)
    """
    root = app.root_path
    if root not in _builds:
        digest, newest = hashlib.sha256(VERSION.encode()), 0.0
        base = Path(root)
        files = sorted([*base.rglob("*.py"), *base.rglob("*.html")])
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
        stamp = min(datetime.fromtimestamp(newest, UTC), datetime.now(UTC))
        _builds[root] = (digest.hexdigest(), stamp.replace(tzinfo=None))
    return _builds[root]


def _viewer() -> tuple[object, ...]:
    """Who is looking: the user's id, role, name and roles in areas (edit links), the session's CSRF
    token (forms embed it), their viewer stamp (their notifications, watches, read marks and read
    confirmations: the header, the watch buttons and a page's reading state; read with the user, no
    query) and which areas are members-only and which of those they may not see (an area opened or
    closed, a membership given or taken away, changes what a page lists without a `Change`)."""
    from kb.services import users

    csrf = str(session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), ""))
    areas = (tuple(sorted(closed_area_ids())), tuple(sorted(hidden_areas(current_user))))
    if current_user.is_authenticated:
        return (current_user.id, current_user.role, current_user.name, csrf,
                sorted((a, r.value) for a, r in current_user.area_roles.items()),
                users.viewer_stamp(current_user), areas)
    return ("anonym", csrf, areas)


def shown_settings(app: Flask) -> tuple[object, ...]:
    """The settings that change what a page shows: who may read, and whose images it shows."""
    return bool(app.config.get("PUBLIC_READ", True)), tuple(app.config.get("IMAGE_HOSTS") or ())


def validator(*parts: object, last_modified: datetime | None = None) -> tuple[str, datetime | None]:
    """The weak ETag value and the Last-Modified time (anonymous visitors only) for this request.

    `parts` is what the view adds: its row's id, revision, update time and anything else it shows
    that does not record a `Change`. Times are naive UTC, as stored.
    """
    app = current_app
    code, built = build(app)
    top, count, changed = changes.log_state()
    day = today()
    settings = shown_settings(app)
    parts_text = repr((code, static_signature(app), settings, day.isoformat(), top, count, _viewer(),
                       request.full_path, parts))
    tag = hashlib.sha256(parts_text.encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        # A browser that cached a logged-in view keeps only the ETag, which names the user; a
        # bare If-Modified-Since cannot tell users apart, so it is honoured for anonymous views only.
        return tag, None
    midnight = datetime.combine(day, time(), STOCKHOLM).astimezone(UTC).replace(tzinfo=None)
    times = [t for t in (last_modified, changed, built, midnight) if t is not None]
    return tag, max(times)


def not_modified(*parts: object, last_modified: datetime | None = None) -> Response | None:
    """A 304 if the client's copy is still what this request would show, else None (render as usual).

    Nothing is cached while a flash message waits to be shown, nor in debug mode.
    """
    if current_app.debug or request.method not in ("GET", "HEAD") or session.get("_flashes"):
        return None
    tag, modified = validator(*parts, last_modified=last_modified)
    g.kb_validator = (tag, modified)
    if is_resource_modified(request.environ, etag=f'W/"{tag}"', last_modified=modified):
        return None
    return _with_validators(Response(status=304), tag, modified)


def _with_validators(response: Response, tag: str, modified: datetime | None) -> Response:
    response.set_etag(tag, weak=True)
    if modified is not None:
        response.last_modified = modified.replace(tzinfo=UTC)
    # Every use revalidates, and only the browser may store it: it shows who is logged in.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.vary.add("Cookie")
    return response


def add_validators(response: Response) -> Response:
    """after_request: give a 200 from a view that called `not_modified` its ETag and Last-Modified."""
    validators = g.pop("kb_validator", None)
    if validators is None or response.status_code != 200 or session.get("_flashes"):
        return response
    return _with_validators(response, *validators)


def reuse_area_facts() -> None:
    """before_request (first of all): a reading request takes the members-only areas, when it needs
    them, from what this process read under the change log's current state (an area's switch records
    a `Change`), so its first look at them costs the log's state, which its validator needs anyway."""
    if request.method in ("GET", "HEAD"):
        offer_closed_area_ids(db.session(), lambda: changes.while_unchanged("closed-areas", None, closed_area_ids))


def end_request(_exc: BaseException | None) -> None:
    """teardown_request: the next request reads the change log's state afresh."""
    changes.forget_log_state()


def init_app(app: Flask) -> None:
    """Fingerprint static URLs, serve them with long lifetimes and add validators to cached views."""
    # First of all before_request functions: the reading rule (kb.auth.guards) looks at the areas.
    app.before_request_funcs.setdefault(None, []).insert(0, reuse_area_facts)
    app.teardown_request(end_request)
    app.url_defaults(add_static_version)
    app.view_functions["static"] = serve_static
    app.after_request(add_validators)
