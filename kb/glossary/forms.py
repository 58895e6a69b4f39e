"""Forms for the glossary, one class per use case."""
from __future__ import annotations

from wtforms import HiddenField, SearchField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from kb.forms import KbForm
from kb.models import Area, GlossaryTerm
from kb.services.glossary import TermData

WHOLE_REGION = "Hela regionen"


def parse_revision(value: str | None) -> int | None:
    """A base revision number from a hidden field, or None when missing or garbled."""
    try:
        return int(value or "")
    except ValueError:
        return None


class FilterForm(KbForm):
    """Narrow the list down by term, expansion or description (a GET form: no CSRF, works without JavaScript)."""

    class Meta:
        csrf = False

    q = SearchField("Filtrera på förkortning eller förklaring", validators=[Optional()],
                    description="T.ex. SIP, ”plan” eller ”anhörig”. Beskrivningarna räknas också, "
                                "och å, ä och ö behövs inte.")
    omrade = SelectField("Område", validators=[Optional()], validate_choice=False,
                         description="Ett områdes begrepp och de som gäller hela regionen.")

    def offer_areas(self, areas: list[Area]) -> None:
        """The areas to filter by (those the viewer sees)."""
        self.omrade.choices = [("", "Alla områden"), *((a.key, a.name) for a in areas)]


class TermForm(KbForm):
    """Create or edit a glossary entry; length and personnummer checks live in the service."""

    term = StringField(
        "Förkortning eller begrepp",
        description="T.ex. SIP. En förkortning i versaler känns igen bara i versaler på sidorna.",
    )
    expansion = StringField(
        "Förklaring", description="Vad förkortningen står för. Visas när man pekar på ordet på en sida.",
    )
    description = TextAreaField("Beskrivning", validators=[Optional()],
                                description="Några meningar om vad det är och var det används (valfritt).")
    area = SelectField("Område", validators=[Optional()], validate_choice=False,
                       description="Området där begreppet främst används. Ordlistan är gemensam: "
                                   "alla ser posten, utom i områden som bara är för medlemmar.")
    comment = StringField("Kort beskrivning av ändringen", validators=[Optional()])
    base_revision = HiddenField()
    save = SubmitField("Spara")

    def offer_areas(self, areas: list[Area]) -> None:
        """The areas a term may belong to (empty: the whole region)."""
        self.area.choices = [("", WHOLE_REGION), *((a.key, a.name) for a in areas)]

    def to_data(self) -> TermData:
        """The form's values as service input."""
        return TermData(self.term.data or "", self.expansion.data or "", self.description.data or "",
                        self.area.data or "")

    def fill_from(self, row: GlossaryTerm) -> None:
        """Load an entry's current values and the revision the edit is based on."""
        self.term.data, self.expansion.data, self.description.data = row.term, row.expansion, row.description
        self.area.data = row.area.key if row.area is not None else ""
        self.base_revision.data = str(row.revision_number)


class DeleteTermForm(KbForm):
    """Delete an entry (it keeps its history), based on the revision the editor saw."""

    reason = StringField("Varför tas posten bort? (valfritt)", validators=[Optional()])
    delete_base_revision = HiddenField()
    delete = SubmitField("Ta bort posten")
