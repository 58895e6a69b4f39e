"""Forms for read confirmations and required reading."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, SubmitField

from kb.forms import CheckboxList, KbForm


class ConfirmReadForm(KbForm):
    """"Jag har läst och förstått": the version the reader saw travels with it."""

    revision = HiddenField()
    submit = SubmitField("Jag har läst och förstått")


class RequirementForm(KbForm):
    """Who must read and confirm a page (choices set by the view)."""

    organisations = CheckboxList("Organisationer", validate_choice=False,
                               description="Alla användare i organisationen ska läsa och bekräfta.")
    areas = CheckboxList("Områden", validate_choice=False,
                       description="Alla med en roll i området ska läsa och bekräfta.")
    submit = SubmitField("Spara obligatorisk läsning")


class OrganisationFilterForm(KbForm):
    """Narrow a report to one organisation (GET, no CSRF)."""

    class Meta:
        csrf = False

    organisation = SelectField("Organisation", validate_choice=False)
    submit = SubmitField("Visa")
