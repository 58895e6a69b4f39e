"""Forms for read confirmations and required reading."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from kb.forms import KbForm


class Checkboxes(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmReadForm(KbForm):
    """"Jag har läst och förstått": the version the reader saw travels with it."""

    revision = HiddenField()
    submit = SubmitField("Jag har läst och förstått")


class RequirementForm(KbForm):
    """Who must read and confirm a page (choices set by the view)."""

    organisations = Checkboxes("Organisationer", validate_choice=False,
                               description="Alla användare i organisationen ska läsa och bekräfta.")
    areas = Checkboxes("Områden", validate_choice=False,
                       description="Alla med en roll i området ska läsa och bekräfta.")
    submit = SubmitField("Spara obligatorisk läsning")


class OrganisationFilterForm(KbForm):
    """Narrow a report to one organisation (GET, no CSRF)."""

    class Meta:
        csrf = False

    organisation = SelectField("Organisation", validate_choice=False)
    submit = SubmitField("Visa")
