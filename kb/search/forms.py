"""The search form: a GET form (bookmarkable, no CSRF token)."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, IntegerField, SearchField
from wtforms.validators import NumberRange, Optional

from kb.forms import KbForm


class SearchForm(KbForm):
    """What the results page reads from the query string: q, typ, malgrupp, galler_for, utkast, sida."""

    class Meta:
        csrf = False

    q = SearchField("Sök i kunskapsbanken", validators=[Optional()])
    typ = HiddenField()
    malgrupp = HiddenField()
    galler_for = HiddenField()
    # Editors only: include text waiting for approval and pages never approved.
    utkast = BooleanField("Sök även i utkast som inte är fastställda")
    sida = IntegerField(validators=[Optional(), NumberRange(min=1, max=10_000)])

    def page_number(self) -> int:
        """The requested result page; anything invalid means the first."""
        return self.sida.data if self.sida.data and not self.sida.errors else 1
