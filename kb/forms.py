"""The base classes of every form in kb: WTForms' own messages in Swedish.

WTForms writes some messages itself ("Not a valid date value.", "Not a valid choice.", "This field is
required."); it ships them in Swedish, and `Meta.locales` picks that catalogue. Flask-WTF would
instead ask Flask-Babel for the visitor's language, so kb turns that off (WTF_I18N_ENABLED = False in
kb.config). Every form class derives from KbForm (or, for a form built without a request, KbBaseForm);
tests/test_forms.py checks that none is left out.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form

LOCALES = ("sv",)


class KbForm(FlaskForm):
    """A Flask-WTF form (CSRF, request data) whose built-in messages are Swedish."""

    class Meta:
        locales = LOCALES


class KbBaseForm(Form):
    """A plain WTForms form (built from given data, e.g. a page type's fields) with Swedish messages."""

    class Meta:
        locales = LOCALES
