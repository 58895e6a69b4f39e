"""Which area a page is created in or moved to: the form's choice, checked by kb.services.areas."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from kb.pages.forms import PageForm
from kb.services import areas, pages
from kb.slugs import is_valid_slug


def came_from() -> int | None:
    """The area a new page starts in: ?omrade=<key>, or the area of the page ?fran=<slug>."""
    if (area := areas.get(request.args.get("omrade", ""))) is not None:
        return area.id
    slug = request.args.get("fran", "")
    head = pages.head(slug) if is_valid_slug(slug) else None
    return head.area_id if head is not None else None


def chosen_area(form: PageForm, page=None):
    """The area the form asks for, checked (ValidationError); None when an edit keeps the page's area.
    A form without the field (an older client) means the default area, or no move."""
    wanted = form.area.data or ""
    if page is not None:
        return None if wanted in ("", areas.key_of(page.area_id)) else areas.check_choice(current_user, wanted)
    if not wanted:
        start = areas.default_choice(current_user)
        wanted = start.key if start else ""
    return areas.check_choice(current_user, wanted)
