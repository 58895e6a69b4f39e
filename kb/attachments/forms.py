"""Forms for attachments, one class per use case."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import Optional

from kb.forms import KbForm
from kb.services.attachments import ALLOWED_SUMMARY


class UploadForm(KbForm):
    """Upload a file to a page (a new attachment, or a new version of one with the same name)."""

    file = FileField("Fil", validators=[FileRequired("Välj en fil att ladda upp.")],
                     description=f"Tillåtna filtyper: {ALLOWED_SUMMARY}.")
    comment = StringField("Kommentar", validators=[Optional()],
                          description="Valfritt. T.ex. vad som är nytt i den här versionen.")
    upload = SubmitField("Ladda upp")
