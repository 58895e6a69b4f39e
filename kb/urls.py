"""Site paths that kb builds by hand, outside the request (markup, services, page cache, index, mail).

Pure string building: no Flask, no database. Every path is relative to the application root
(without SCRIPT_NAME); the web layer prefixes `request.script_root` where it shows one, and mail
prefixes BASE_URL. Each helper matches a rule of the app's URL map (tests/test_urls.py checks
them all against `app.url_map`), so a route that moves must move here too.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

PAGE_PREFIX = "/sida/"
NEW_PAGE_PATH = "/ny"
PLANS_PREFIX = "/planer/"
ACTIVITY_PREFIX = "/aktiviteter/"
COLLABORATION_PREFIX = "/samverkansplaner/"
ATTACHMENT_PREFIX = "/bilagor/"
GLOSSARY_PATH = "/ordlista"
MY_PAGE_PATH = "/min-sida"
WATCHES_PATH = "/min-sida/bevakningar"
UNSUBSCRIBE_PREFIX = "/avsluta-epost/"
AREA_PREFIX = "/omrade/"
RESET_LINK_PREFIX = "/losenord/"
# Characters Flask's url_for leaves unquoted in an #anchor (so both spell an anchor alike).
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def page_path(slug: str) -> str:
    """The path of a page's view (`/sida/<slug>`)."""
    return PAGE_PREFIX + slug


def new_page_path(slug: str, title: str) -> str:
    """The path of the form that offers to create a missing page (`/ny?slug=…&title=…`)."""
    return NEW_PAGE_PATH + "?" + urlencode({"slug": slug, "title": title})


def plan_path(slug: str) -> str:
    """The path of an action plan (`/planer/<slug>`)."""
    return PLANS_PREFIX + slug


def activity_path(activity_id: int) -> str:
    """The path of an activity (`/aktiviteter/<id>`)."""
    return f"{ACTIVITY_PREFIX}{activity_id}"


def collaboration_path(slug: str) -> str:
    """The path of a collaboration plan (`/samverkansplaner/<slug>`)."""
    return COLLABORATION_PREFIX + slug


def attachment_path(attachment_id: int) -> str:
    """The path of an attachment's current version (`/bilagor/<id>`)."""
    return f"{ATTACHMENT_PREFIX}{attachment_id}"


def attachment_file_path(slug: str, name: str) -> str:
    """The path of a page's attachment by name (`/sida/<slug>/bilagor/<name>`); an old slug still leads to it."""
    return f"{PAGE_PREFIX}{slug}/bilagor/{quote(name, safe='')}"


def word_image_path(token: str, name: str) -> str:
    """The path of an image of a Word document waiting to become an attachment (`/ny/word/<token>/<name>`)."""
    return f"{NEW_PAGE_PATH}/word/{token}/{quote(name, safe='')}"


def glossary_anchor(term: str) -> str:
    """The id of a term's entry on the glossary page (the term itself, no spaces), for #links."""
    return "_".join(term.split())


def glossary_entry_path(term: str) -> str:
    """The path of a term's entry on the glossary page (`/ordlista#<anchor>`, quoted as url_for does)."""
    return f"{GLOSSARY_PATH}#{quote(glossary_anchor(term), safe=_ANCHOR_SAFE)}"


def unsubscribe_path(token: str) -> str:
    """The path that turns off a user's e-mail digests (`/avsluta-epost/<token>`)."""
    return UNSUBSCRIBE_PREFIX + token


def area_path(key: str) -> str:
    """The path of an area's start page (`/omrade/<key>`)."""
    return AREA_PREFIX + key


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site (where to go after signing in), else None: never another
    host, not even as "//host" or with a scheme."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc and not urlsplit(target).scheme:
        return target
    return None


def password_reset_path(token: str) -> str:
    """The path of a "Glömt lösenordet?" link (`/losenord/<token>`)."""
    return RESET_LINK_PREFIX + token
