"""Forms for the approval workflow, reviews and error reports, one class per use case."""
from __future__ import annotations

from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Optional

from kb.forms import KbForm
from kb.services.governance import APPROVAL_COMMENT_MAX, FLAG_NOTE_MAX, RESOLUTION_MAX, RETURN_REASON_MAX


class ApproveForm(KbForm):
    """Approve a draft with a summary of the changes (length and content are checked by the service)."""

    revision = HiddenField()
    comment = TextAreaField("Förändringar sedan föregående version",
                            description="Visas för läsarna tillsammans med den fastställda versionen.",
                            render_kw={"maxlength": APPROVAL_COMMENT_MAX, "rows": 3})
    submit = SubmitField("Fastställ")


class ReturnForm(KbForm):
    """Send a draft back to the editors with a reason."""

    revision = HiddenField()
    reason = TextAreaField("Varför skickas utkastet tillbaka?",
                           render_kw={"maxlength": RETURN_REASON_MAX, "rows": 3})
    submit = SubmitField("Skicka tillbaka")


class ReviewForm(KbForm):
    """Mark a routine as reviewed without changes."""

    comment = TextAreaField("Kommentar (valfri)", validators=[Optional()],
                            description="T.ex. vad som kontrollerades.",
                            render_kw={"rows": 2, "maxlength": 1000})
    submit = SubmitField("Granskad utan ändring")


class FlagForm(KbForm):
    """A reader's report that a page is outdated or wrong."""

    note = TextAreaField("Vad är fel eller inaktuellt?",
                         description=(f"Högst {FLAG_NOTE_MAX} tecken. "
                                      "Skriv aldrig personuppgifter om patienter."),
                         render_kw={"maxlength": FLAG_NOTE_MAX, "rows": 3})
    submit = SubmitField("Rapportera fel")


class ResolveFlagForm(KbForm):
    """Close an error report with what was done."""

    comment = TextAreaField("Vad gjordes?", render_kw={"maxlength": RESOLUTION_MAX, "rows": 2})
    submit = SubmitField("Markera som åtgärdad")
