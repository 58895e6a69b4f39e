"""Administration forms: users, organisations, areas and their members, group mappings, the audit log filter."""
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
from wtforms.validators import InputRequired, Optional, ValidationError

from kb.constants import AreaRole, AuditAction, PageType, Role
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


class UserOrganisationForm(KbForm):
    """The organisation a user works for (decides their required reading); choices set by the view."""

    organisation = SelectField("Organisation", validate_choice=False)
    submit = SubmitField("Spara organisation")


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


# The role select of a group mapping: site roles and area roles in one list, in two option groups (the
# same name, e.g. redaktör, is a site role in one and an area role in the other).
SITE, AREA = "site:", "area:"
SITE_GROUP, AREA_GROUP = "I hela kunskapsbanken", "I ett område"
GROUP_ROLE_CHOICES = [SelectChoice("", "Välj en roll"),
                      *(SelectChoice(SITE + r.value, r.label, optgroup=SITE_GROUP) for r in Role),
                      *(SelectChoice(AREA + r.value, r.label, optgroup=AREA_GROUP) for r in AreaRole)]


class GroupRoleForm(KbForm):
    """Give members of a group at the identity provider a site role or a role in one area."""

    group = StringField(
        "Grupp", validators=[InputRequired("Ange gruppen som identitetsleverantören skickar den.")],
        description="Som identitetsleverantören skickar den: värdet i OIDC-anspråket för grupper (i Entra ID "
                    "gruppens objekt-id) eller LDAP-gruppens DN, t.ex. CN=KB-redaktörer,OU=Grupper,DC=exempel,DC=se. "
                    "Stora och små bokstäver räknas som samma.",
        render_kw={"maxlength": 500, "autocomplete": "off", "spellcheck": "false"})
    area = SelectField("Var rollen gäller", choices=[], validate_choice=False,
                       description="Hela kunskapsbanken eller ett område.")
    role = SelectField("Roll", choices=GROUP_ROLE_CHOICES, validate_choice=False,
                       validators=[InputRequired("Välj en roll.")],
                       description=f"Välj under ”{SITE_GROUP}” när rollen gäller hela kunskapsbanken och under "
                                   f"”{AREA_GROUP}” när ett område är valt.")
    submit = SubmitField("Spara kopplingen")

    def validate_role(self, field) -> None:
        """A site role goes with the whole knowledge base, an area role with an area."""
        value = field.data or ""
        if not value.startswith((SITE, AREA)):
            raise ValidationError("Välj en av rollerna i listan.")
        if self.area.data and value.startswith(SITE):
            raise ValidationError(f"Ett område är valt: välj en roll under ”{AREA_GROUP}”, eller välj "
                                  "”Hela kunskapsbanken” under ”Var rollen gäller”.")
        if not self.area.data and value.startswith(AREA):
            raise ValidationError(f"Rollen ”{self.role_name}” gäller i ett område: välj området under ”Var "
                                  f"rollen gäller”, eller en roll under ”{SITE_GROUP}”.")

    @property
    def role_name(self) -> str:
        """The chosen role without its group (what kb.services.groups takes)."""
        return (self.role.data or "").removeprefix(SITE).removeprefix(AREA)


class PageTemplateForm(KbForm):
    """An own page template: its name, page type, area, whether it is the type's default, and its text.
    Length, uniqueness and who may choose which area: kb.services.page_templates."""

    name = StringField("Namn", description="Visas i listan Mall på Ny sida, t.ex. ”Mötesanteckningar”.",
                       render_kw={"maxlength": 100})
    type = SelectField("Sidtyp", choices=[SelectChoice(t.value, t.label) for t in PageType],
                       description="Mallen erbjuds när den här sidtypen väljs.")
    # Choices: "Alla områden" (administrators) and the areas the user administers (set by the view).
    area = SelectField("Område", validate_choice=False,
                       description="Området där mallen erbjuds. ”Alla områden”: i varje område.")
    is_default = BooleanField(
        "Standardmall för sidtypen",
        description="Fylls i när någon väljer sidtypen på Ny sida. Ersätter en tidigare standardmall på samma "
                    "ställe; utan standardmall används den inbyggda.")
    source = TextAreaField("Text", description="Markdown, som i sidornas text. Rubriker med ## och tomma rader "
                                               "att fylla i fungerar bra.")
    submit = SubmitField("Spara mallen")
