"""kb.urls: every hand-built site path matches a rule of the app's URL map."""
from __future__ import annotations

import inspect
from urllib.parse import parse_qs, urlsplit

import pytest

from kb import urls

# Helper → (sample arguments, endpoint, view arguments, query, fragment) of the path it builds.
PATHS = {
    "page_path": (("rutin-sip",), "pages.view", {"slug": "rutin-sip"}, {}, ""),
    "new_page_path": (("ny-sida", "Ny sida & mer"), "pages.create", {},
                      {"slug": ["ny-sida"], "title": ["Ny sida & mer"]}, ""),
    "plan_path": (("hemgang-2026",), "plans.view", {"slug": "hemgang-2026"}, {}, ""),
    "activity_path": ((42,), "plans.activity", {"activity_id": 42}, {}, ""),
    "collaboration_path": (("samverkan",), "plans.collaboration", {"slug": "samverkan"}, {}, ""),
    "attachment_path": ((7,), "attachments.by_id", {"attachment_id": 7}, {}, ""),
    "attachment_file_path": (("rutin-sip", "bild-1.png"), "attachments.download",
                             {"slug": "rutin-sip", "name": "bild-1.png"}, {}, ""),
    "word_image_path": (("abc_DEF-1", "bild-1.png"), "pages.word_image",
                        {"token": "abc_DEF-1", "name": "bild-1.png"}, {}, ""),
    "glossary_entry_path": (("Mini Maria",), "glossary.index", {}, {}, "Mini_Maria"),
    "unsubscribe_path": (("abc.DEF-1",), "me.unsubscribe", {"token": "abc.DEF-1"}, {}, ""),
    "area_path": (("gbg-sydvast",), "areas.view", {"key": "gbg-sydvast"}, {}, ""),
    "password_reset_path": (("abc_DEF-1",), "auth.reset_password", {"token": "abc_DEF-1"}, {}, ""),
}
# Constants → endpoint of the path they name (prefixes: the endpoint of prefix + a sample).
CONSTANTS = {
    "PAGE_PREFIX": ("x", "pages.view"),
    "NEW_PAGE_PATH": ("", "pages.create"),
    "PLANS_PREFIX": ("x", "plans.view"),
    "ACTIVITY_PREFIX": ("1", "plans.activity"),
    "COLLABORATION_PREFIX": ("x", "plans.collaboration"),
    "ATTACHMENT_PREFIX": ("1", "attachments.by_id"),
    "GLOSSARY_PATH": ("", "glossary.index"),
    "MY_PAGE_PATH": ("", "me.index"),
    "WATCHES_PATH": ("", "me.watches"),
    "UNSUBSCRIBE_PREFIX": ("x", "me.unsubscribe"),
    "AREA_PREFIX": ("samla", "areas.view"),
    "RESET_LINK_PREFIX": ("x", "auth.reset_password"),
}
# Helpers that build a part of a path, checked through the helper that uses them.
PARTS = {"glossary_anchor"}
# Helpers that check a path rather than build one (tested below).
CHECKS = {"local_path"}


def _public(kind):
    return {name for name, value in vars(urls).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == urls.__name__ and kind(value)}


def test_every_helper_and_constant_is_checked():
    assert _public(inspect.isfunction) == set(PATHS) | PARTS | CHECKS
    constants = {name for name, value in vars(urls).items() if name.isupper() and not name.startswith("_")}
    assert constants == set(CONSTANTS)


@pytest.mark.parametrize("name", sorted(PATHS))
def test_helper_matches_url_map(app, name):
    args, endpoint, values, query, fragment = PATHS[name]
    path = getattr(urls, name)(*args)
    parts = urlsplit(path)
    adapter = app.url_map.bind("localhost")
    assert adapter.match(parts.path, method="GET") == (endpoint, values)
    assert parse_qs(parts.query) == query
    assert parts.fragment == fragment
    with app.test_request_context():
        from flask import url_for

        assert path == url_for(endpoint, **values, **{k: v[0] for k, v in query.items()},
                               **({"_anchor": fragment} if fragment else {}))


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_constant_matches_url_map(app, name):
    sample, endpoint = CONSTANTS[name]
    assert app.url_map.bind("localhost").match(getattr(urls, name) + sample, method="GET")[0] == endpoint


def test_glossary_anchor_as_url_for_spells_it(app):
    from flask import url_for

    assert urls.glossary_anchor("  Mini   Maria ") == "Mini_Maria"
    with app.test_request_context():
        for term in ("BUP", "Mini Maria", "Anhörig/närstående", "SoL §4"):
            assert urls.glossary_entry_path(term) == url_for("glossary.index", _anchor=urls.glossary_anchor(term))


@pytest.mark.parametrize(("target", "expected"), [
    ("/min-sida", "/min-sida"), ("/sida/rutin-sip?x=1#a", "/sida/rutin-sip?x=1#a"), (None, None), ("", None),
    ("//evil.example", None), ("https://evil.example/", None), ("/\\evil.example", None), ("min-sida", None),
    ("javascript:alert(1)", None)])
def test_local_path_lets_only_paths_on_this_site_through(target, expected):
    assert urls.local_path(target) == expected
