"""Limits and the free-text check that every governance action shares."""
from __future__ import annotations

from kb import pii
from kb.exceptions import ValidationError

APPROVAL_COMMENT_MAX = 2000
RETURN_REASON_MAX = 1000
REVIEW_COMMENT_MAX = 1000
FLAG_NOTE_MAX = 500
RESOLUTION_MAX = 1000
# Reviews due: how far ahead "Min sida" looks by default; the review list marks "soon" within this.
DUE_WITHIN_DAYS = 30


def clean_text(value: str | None, name: str, label: str, maximum: int, *, required: bool) -> str:
    """A cleaned free text, or ValidationError: required, length, and never a personnummer."""
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError({name: f"Skriv {label.lower()}."})
    if len(text) > maximum:
        raise ValidationError({name: f"{label} får vara högst {maximum} tecken (nu {len(text)})."})
    errors = pii.field_errors(((name, label, text),))
    if errors:
        raise ValidationError(errors)
    return text
