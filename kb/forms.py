"""The base classes of every form in kb: WTForms' own messages in Swedish.

WTForms writes some messages itself ("Not a valid date value.", "Not a valid choice.", "This field is
required."); it ships them in Swedish, and `Meta.locales` picks that catalogue. Flask-WTF would
instead ask Flask-Babel for the visitor's language, so kb turns that off (WTF_I18N_ENABLED = False in
kb.config). Every form class derives from KbForm (or, for a form built without a request, KbBaseForm);
tests/test_forms.py checks that none is left out.

Both show a service's refusal (kb.exceptions.ValidationError) at the fields it names
(`add_service_errors`), and ConfirmForm is the one form for a button that only confirms an action.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Form, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from kb.exceptions import ValidationError

LOCALES = ("sv",)


class ServiceErrors:
    """Puts a service's messages on the form's fields, so the typed text stays and each message stands
    where it belongs."""

    def add_service_errors(self, refused: ValidationError | Mapping[str, str],
                           fallback: str | None = None) -> list[str]:
        """Show each message at the field it names; a message for no field of the form goes to the
        `fallback` field, or (without one) is returned for the view to flash."""
        errors = refused.errors if isinstance(refused, ValidationError) else refused
        left = []
        for name, message in errors.items():
            field = self._fields.get(name) or (self._fields.get(fallback) if fallback else None)
            if field is None:
                left.append(message)
            else:
                field.errors = [*field.errors, message]
        return left


class KbForm(ServiceErrors, FlaskForm):
    """A Flask-WTF form (CSRF, request data) whose built-in messages are Swedish."""

    class Meta:
        locales = LOCALES


class KbBaseForm(ServiceErrors, Form):
    """A plain WTForms form (built from given data, e.g. a page type's fields) with Swedish messages."""

    class Meta:
        locales = LOCALES


class ConfirmForm(KbForm):
    """A button that only confirms an action (log out, watch, mark as read, delete or restore a file,
    disable an account): the CSRF token, the button is in the template."""


def flash_all(messages: list[str]) -> None:
    """Flash a service's messages that no field of the form could show."""
    for message in messages:
        flash(message, "error")


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes (the field macro renders it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
