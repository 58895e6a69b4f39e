"""Administration forms."""
from __future__ import annotations

from wtforms import DateField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Optional

from kb.constants import AuditAction, Role
from kb.forms import KbForm

ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class CreateUserForm(KbForm):
    """A new account."""

    username = StringField("Användarnamn", validators=[InputRequired("Ange ett användarnamn.")])
    display_name = StringField("Namn som visas", validators=[Optional()])
    role = SelectField("Roll", choices=ROLE_CHOICES, default=Role.READER.value)
    password = PasswordField("Lösenord", validators=[InputRequired("Ange ett lösenord.")],
                             description="Minst 12 tecken. En fras med flera ord är lätt att minnas och svår "
                                         "att gissa.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Skapa användare")


class RoleForm(KbForm):
    """Change one user's role."""

    role = SelectField("Roll", choices=ROLE_CHOICES)
    submit = SubmitField("Byt roll")


class AuditFilterForm(KbForm):
    """Filters for the audit log (GET, no CSRF)."""

    class Meta:
        csrf = False

    action = SelectField("Händelse",
                         choices=[SelectChoice("", "Alla")] + [SelectChoice(a.value, a.label) for a in AuditAction],
                         validators=[Optional()])
    actor = StringField("Vem", validators=[Optional()])
    target = StringField("Gäller", validators=[Optional()])
    since = DateField("Från och med", validators=[Optional()])
    until = DateField("Till och med", validators=[Optional()])
    submit = SubmitField("Filtrera")


class OrganisationForm(KbForm):
    """Add an organisation to the list routines apply to, or rename one."""

    name = StringField("Namn", validators=[InputRequired("Ange organisationens namn.")],
                       render_kw={"maxlength": 200})
    submit = SubmitField("Spara")
