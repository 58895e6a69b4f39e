"""Login and password forms: log in, "Glömt lösenordet?", a new password (after a temporary one or from
a link), and the password fields every form that sets one shares."""
from __future__ import annotations

from wtforms import PasswordField, StringField, SubmitField
from wtforms import ValidationError as FormError
from wtforms.validators import EqualTo, InputRequired, Length

from kb.forms import KbForm
from kb.services import users

POLICY_HELP = "Minst 12 tecken. En fras med flera ord är lätt att minnas och svår att gissa."


class LoginForm(KbForm):
    """Username and password."""

    username = StringField("Användarnamn", validators=[InputRequired("Ange ditt användarnamn."), Length(max=80)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField("Lösenord", validators=[InputRequired("Ange ditt lösenord."), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Logga in")


def new_password_field() -> PasswordField:
    """The new password (the policy is checked by the field and, with the username, by the service)."""
    return PasswordField("Nytt lösenord", validators=[InputRequired("Ange ett nytt lösenord.")],
                         description=POLICY_HELP, render_kw={"autocomplete": "new-password"})


def repeat_field() -> PasswordField:
    """The new password once more; it must equal the field `password`."""
    return PasswordField("Upprepa det nya lösenordet",
                         validators=[InputRequired("Skriv det nya lösenordet en gång till."),
                                     EqualTo("password", "Lösenorden är inte likadana. Skriv samma lösenord "
                                                         "två gånger.")],
                         render_kw={"autocomplete": "new-password"})


def check_policy(_form, field) -> None:
    """The password policy (kb.services.users) as a field validator."""
    problem = users.password_problem(field.data or "")
    if problem:
        raise FormError(problem)


class NewPasswordForm(KbForm):
    """A new password twice: after a temporary password, and from a "Glömt lösenordet?" link."""

    password = new_password_field()
    repeat = repeat_field()
    submit = SubmitField("Spara det nya lösenordet")
    validate_password = check_policy


class ForgotPasswordForm(KbForm):
    """"Glömt lösenordet?": the username or e-mail address of the account."""

    identifier = StringField("Användarnamn eller e-postadress",
                             validators=[InputRequired("Ange ditt användarnamn eller din e-postadress."),
                                         Length(max=254, message="Högst 254 tecken.")],
                             render_kw={"autocomplete": "username", "spellcheck": "false"})
    submit = SubmitField("Skicka länk")
