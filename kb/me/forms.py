"""Forms for Min sida, watches and e-mail, one class per use case."""
from __future__ import annotations

from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms import ValidationError as FormError
from wtforms.validators import InputRequired

from kb.auth.forms import check_policy, new_password_field, repeat_field
from kb.constants import PageType
from kb.exceptions import ValidationError
from kb.forms import KbForm
from kb.services import users


class EndSessionsForm(KbForm):
    """"Logga ut överallt": end the user's sessions on every device (the CSRF token and a button)."""

    submit = SubmitField("Logga ut överallt")


class ChangePasswordForm(KbForm):
    """"Byt lösenord": the current password, then the new one twice."""

    current_password = PasswordField("Nuvarande lösenord",
                                     validators=[InputRequired("Ange ditt nuvarande lösenord.")],
                                     render_kw={"autocomplete": "current-password"})
    password = new_password_field()
    repeat = repeat_field()
    submit = SubmitField("Byt lösenord")
    validate_password = check_policy


class PageTypeWatchForm(KbForm):
    """Start watching every page of a type."""

    page_type = SelectField("Sidtyp", choices=[SelectChoice(t.value, t.plural) for t in PageType])
    submit = SubmitField("Bevaka sidtypen")


class EmailForm(KbForm):
    """A user's e-mail address and whether notifications are mailed (by the user or an administrator)."""

    email = StringField("E-postadress",
                        description="Valfri. Dit skickas aviseringarna, högst ett brev per dag.",
                        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"})
    email_notifications = BooleanField("Skicka mina aviseringar med e-post")
    submit = SubmitField("Spara")

    def validate_email(self, field) -> None:
        """The address must look like one (the service has the rule)."""
        try:
            field.data = users.clean_email(field.data or "")
        except ValidationError as exc:
            raise FormError(exc.errors["email"]) from exc


class UnsubscribeForm(KbForm):
    """Confirm turning off e-mail from the link in a digest."""

    submit = SubmitField("Avsluta e-post")
