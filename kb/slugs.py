"""Slugs: URL-safe page addresses made from Swedish titles."""
from __future__ import annotations

import re
import unicodedata

SLUG_MAX = 120
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "æ": "ae", "ø": "o", "ß": "ss", "é": "e", "ü": "u"})


def slugify(title: str) -> str:
    """Return a slug for a title: å/ä→a, ö→o, lowercase, hyphens between words."""
    text = title.strip().lower().translate(_FOLD)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)  # dashes ("2023–2026") separate words too
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:SLUG_MAX].rstrip("-")


def is_valid_slug(slug: str) -> bool:
    """Tell whether a string is a well-formed slug (what a URL may address)."""
    return bool(slug) and len(slug) <= SLUG_MAX and bool(SLUG_RE.match(slug))
