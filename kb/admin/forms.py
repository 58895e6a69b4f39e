"""Administration forms: users, organisations, areas and their members, the audit log filter."""
from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from kb.constants import AreaRole, AuditAction, Role
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


class TemporaryPasswordForm(KbForm):
    """A temporary password for a local account, typed or (left empty) generated."""

    password = PasswordField("Tillfälligt lösenord", validators=[Optional()],
                             description="Lämna tomt så skapas ett slumpat lösenord som visas en gång. Annars "
                                         "minst 12 tecken. Användaren måste välja ett eget lösenord vid nästa "
                                         "inloggning.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Sätt tillfälligt lösenord")


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


AREA_ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in AreaRole]


class AreaForm(KbForm):
    """A new area (collaboration body), or an area's name, description and visibility."""

    key = StringField("Nyckel", validators=[Optional()],
                      description="Används i adresser och kommandon, t.ex. ”gbg-sydvast”: a–z, 0–9 och bindestreck. "
                                  "Kan inte ändras.")
    name = StringField("Namn", validators=[InputRequired("Ange områdets namn.")], render_kw={"maxlength": 200})
    description = TextAreaField("Beskrivning", validators=[Optional()])
    members_only = BooleanField(
        "Endast för medlemmar",
        description="Bara de som har en roll i området (och administratörer) ser dess innehåll.")
    retired = BooleanField("Avvecklat", description="Innehållet finns kvar, men nya sidor och planer kan inte "
                                                    "läggas i området.")
    submit = SubmitField("Spara")


class MemberForm(KbForm):
    """Give a user a role in an area."""

    username = StringField("Användarnamn", validators=[InputRequired("Ange ett användarnamn.")])
    role = SelectField("Roll i området", choices=AREA_ROLE_CHOICES, default=AreaRole.EDITOR.value,
                       validate_choice=False)
    submit = SubmitField("Lägg till")


class MemberRoleForm(KbForm):
    """Change one member's role in an area."""

    role = SelectField("Roll i området", choices=AREA_ROLE_CHOICES, validate_choice=False)
    submit = SubmitField("Byt roll")
