"""Pages as PDF and Word documents ("Ladda ner som PDF/Word"): what a printout of a page shows.

`page_document` builds the kb.printing.Document of the version readers see: the published (approved)
revision that the page row holds, never a draft waiting for approval. A page never approved has no
such version; only those who see drafts can reach it (kb.permissions.can_read_page), and their
printout says in bold that it is not approved. A routine (a type with a valid-until date) gets the
header block organisations file it by: dokumenttyp, titel, version, fastställd (date and by whom),
giltig till, gäller för and ägare.

Images: those of the text that are kb's own attachments, as readers of the page may open them (the
approved versions; for a page never approved, the newest), read from the database; anything else
stays out (kb.printing never fetches a URL). `render` makes the file in kb.printing's bounded child.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

from flask import current_app

from kb import dates, fuzzydate, printing, urls
from kb.exceptions import NotFoundError
from kb.html_markdown import Node, parse
from kb.models import ActionPlan, Attachment, AttachmentVersion, Page
from kb.permissions import area_of, can_read_page, hidden_areas, sees_area
from kb.services import attachments, governance, organisations, pages, structure, users

# Images a printout embeds: at most this many, and this many bytes together (the rest stay out).
IMAGES_MAX = 200
IMAGE_BYTES_MAX = 60 * 1024 * 1024
NOT_APPROVED = "Utkast – inte fastställt. Detta är inte en gällande version."
_BY_NAME = re.compile(r"^/sida/([^/]+)/bilagor/([^/]+)(?:/version/(\d+))?$")
_BY_ID = re.compile(r"^/bilagor/(\d+)$")


def page_url(base_url: str, slug: str) -> str:
    """The absolute address of a page (`https://kb.example.se/sida/<slug>`)."""
    return urljoin(base_url.rstrip("/") + "/", urls.page_path(slug).lstrip("/"))


def page_document(page: Page, user, base_url: str) -> printing.Document:
    """The printout of `page` for `user` (who may read it): the version readers see, with the routine
    header block for routines; `base_url` is where users reach kb (KB_BASE_URL or the request's)."""
    shown = page.shown
    if shown is None:
        raise NotFoundError("Sidan har ingen version.")
    url = page_url(base_url, page.slug)
    body = pages.shown_html(page.html)
    fields: tuple[tuple[str, str], ...] = ()
    meta = f"Version {shown.number}, sparad {dates.format_date_long(shown.created_at)}."
    if governance.has_validity(page.type):
        fields = routine_fields(page, user)
        meta = ""
    printed = dates.long_date(dates.today())
    meta = " ".join(part for part in (meta, f"Utskriven {printed}.") if part)
    return printing.Document(
        title=page.title, kind=page.page_type.label, url=url, body=body, fields=fields, summary=page.summary or "",
        meta=meta, warning=_warning(page), images=_images(body, url, user, page),
        printed=printed)


def _warning(page: Page) -> str:
    """What a printout says above everything: not approved, repealed or out of date ("" for none)."""
    if not page.is_published:
        return NOT_APPROVED
    if (page.fields or {}).get("status") == "upphävd":
        return "Rutinen är upphävd och gäller inte längre."
    until = governance.valid_until(page)
    if governance.has_validity(page.type) and governance.is_expired(page) and until is not None:
        return f"Giltighetstiden gick ut {dates.long_date(until)}. Kontrollera med ansvarig innan du följer rutinen."
    return ""


def plan_document(plan: ActionPlan, user, base_url: str, body: str, changed) -> printing.Document:
    """The printout of an action plan (landscape, for its wide table): its facts as the header block and
    `body`, kb's own rendering of its activities (templates/plans/_print_body.html); `changed` is when
    the plan or one of its activities last changed."""
    def seen(obj) -> str:
        return obj.title if obj is not None and sees_area(user, area_of(obj)) else ""

    try:
        adopted = fuzzydate.label(plan.adopted) if plan.adopted else ""
    except ValueError:
        adopted = plan.adopted
    fields = (("Dokumenttyp", "Aktivitetsplan"), ("Titel", plan.title), ("Struktur", seen(plan.structure) or "–"),
              ("Period", plan.period), ("Fastställd", adopted or "Inte fastställd"),
              ("Senast ändrad", dates.format_datetime(changed)))
    if seen(plan.collaboration_plan):
        fields += (("Samverkansplan", seen(plan.collaboration_plan)),)
    printed = dates.long_date(dates.today())
    return printing.Document(title=plan.title, kind="Aktivitetsplan", url=urljoin(
        base_url.rstrip("/") + "/", urls.plan_path(plan.slug).lstrip("/")), body=body, fields=fields,
        meta=f"Utskriven {printed}.", landscape=True, printed=printed)


def routine_fields(page: Page, user) -> tuple[tuple[str, str], ...]:
    """The header block of a routine as readers see it: (label, value) rows, "Dokumenttyp" first."""
    published = page.published
    values = page.fields or {}
    if published is not None and published.approved_at is not None:
        names = users.display_names({published.approved_by})
        approved = f"{dates.format_date_long(published.approved_at)} av " \
                   f"{names.get(published.approved_by, published.approved_by) or 'okänd'}"
    elif published is not None:
        approved = f"Inte fastställd (publicerad {dates.format_date_long(published.created_at)})"
    else:
        approved = "Inte fastställd"
    until = governance.valid_until(page)
    organisation_names = organisations.name_by_key()
    applies = ", ".join(organisation_names.get(key, key) for key in values.get("applies_to") or [])
    owner = ""
    if values.get("owner"):
        # Only a structure the viewer may see is named (readers never learn a members-only page exists).
        found = structure.pages_by_slug({str(values["owner"])}, published_only=True, hidden=hidden_areas(user))
        owner = found[str(values["owner"])].title if found else ""
    number = published.number if published is not None else page.revision_number
    return (("Dokumenttyp", page.page_type.label), ("Titel", page.title), ("Version", str(number)),
            ("Fastställd", approved), ("Giltig till", dates.long_date(until) if until else "–"),
            ("Gäller för", applies or "–"), ("Ägare", owner or "–"))


def _images(body: str, url: str, user, page: Page) -> dict[str, printing.Image]:
    """The images of the text that are attachments the viewer may open, by absolute URL."""
    found: dict[str, printing.Image] = {}
    total = 0
    origin = urlsplit(url)
    for src in _image_sources(parse(body)):
        absolute = urljoin(url, src).split("#", 1)[0]
        parts = urlsplit(absolute)
        if absolute in found or (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or parts.query:
            continue
        version = _attachment_version(parts.path, user, page)
        if version is None or version.media_type not in printing.IMAGE_TYPES:
            continue
        total += len(version.content)
        if len(found) >= IMAGES_MAX or total > IMAGE_BYTES_MAX:
            break
        found[absolute] = printing.Image(version.media_type, version.content)
    return found


def _image_sources(node: Node) -> list[str]:
    sources = []
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == "img" and child.attrs.get("src"):
                sources.append(child.attrs["src"])
            sources.extend(_image_sources(child))
    return sources


def _attachment_version(path: str, user, printed: Page) -> AttachmentVersion | None:
    """The version of the attachment a path names (`/sida/<slug>/bilagor/<name>[/version/<n>]`,
    `/bilagor/<id>`) that the viewer may open as a reader of its page, else None."""
    attachment: Attachment | None = None
    number: int | None = None
    if match := _BY_NAME.match(path):
        owner, _ = pages.resolve(unquote(match.group(1)))
        attachment = attachments.get(owner, unquote(match.group(2))) if owner is not None else None
        number = int(match.group(3)) if match.group(3) else None
    elif match := _BY_ID.match(path):
        attachment = attachments.get_by_id(int(match.group(1)))
    if attachment is None or attachment.deleted or attachment.page.deleted \
            or not can_read_page(user, attachment.page):
        return None
    # Readers' versions, as the approved text shows them; a page never approved shows its newest ones.
    editor = not attachment.page.is_published and attachment.page.id == printed.id
    shown = attachments.shown_number(attachment, editor=editor)
    try:
        version = attachments.get_version(attachment, number if number is not None else shown)
    except NotFoundError:
        return None
    return version if attachments.may_open(version, editor=editor) else None


def render(doc: printing.Document, fmt: str) -> bytes:
    """The file of a document ("pdf" or "docx") within DOCUMENT_TIMEOUT and DOCUMENT_MEMORY;
    kb.printing.PrintError (Swedish) when it cannot be made."""
    config = current_app.config
    return printing.render(doc, fmt, timeout=float(config.get("DOCUMENT_TIMEOUT", 30.0)),
                           memory=int(config.get("DOCUMENT_MEMORY", 1024 * 1024 * 1024)))
