"""Login form."""
from __future__ import annotations

from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from kb.forms import KbForm


class LoginForm(KbForm):
    """Username and password."""

    username = StringField("Användarnamn", validators=[InputRequired("Ange ditt användarnamn."), Length(max=80)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField("Lösenord", validators=[InputRequired("Ange ditt lösenord."), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Logga in")
