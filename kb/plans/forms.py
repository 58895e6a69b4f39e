"""Forms for plans and activities, one class per use case; value checks live in kb.services.plans.

Select fields do not check their choices here (`validate_choice=False`): the service does, with
Swedish messages, so a stale or tampered value gets the same answer as in an import.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from kb.constants import TARGET_GROUPS, ActivityStatus
from kb.forms import CheckboxList, KbForm
from kb.models import ActionPlan, Activity, CollaborationPlan, Page
from kb.services import plans

DATE_HINT = "Skriv 2024, nov 2024 eller 2024-12-31."
IMPORT_EXTENSIONS = (".csv", ".xlsx")


def parse_revision(value: str | None) -> int | None:
    """A base revision number from a hidden field, or None when missing or garbled."""
    try:
        return int(value or "")
    except ValueError:
        return None


def status_choices(blank: str | None = None) -> list[SelectChoice]:
    """The three statuses by their Swedish names (after an optional blank choice)."""
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(s.value, s.label) for s in ActivityStatus]


def structure_choices(structures: Iterable[Page], blank: str) -> list[SelectChoice]:
    """Structure pages by title, after a blank choice."""
    return [SelectChoice("", blank)] + [SelectChoice(p.slug, p.title) for p in structures]


_PAGE_URL = re.compile(r"^(?:https?://[^/]+)?/?sida/")


def area_choices(areas: Iterable, blank: str | None = None) -> list[SelectChoice]:
    """Areas by name (kb.services.areas.editable_areas), after an optional blank choice."""
    return ([SelectChoice("", blank)] if blank is not None else []) + [SelectChoice(a.key, a.name) for a in areas]


def page_slugs(value: str) -> list[str]:
    """Slugs typed one per line (or comma-separated); a pasted page address is cut to its slug."""
    return [_PAGE_URL.sub("", item).strip("/") for item in plans.split_list(value)]


class PlanForm(KbForm):
    """Create or edit an action plan's own fields."""

    title = StringField("Titel", description="T.ex. ”Aktivitetsplan NOSAM Lerum 2024”.")
    structure = SelectField(
        "Struktur", validate_choice=False,
        description="Den struktur (t.ex. en NOSAM eller Samordningsgruppen) som planen tillhör.")
    period = StringField("Period", description="Ett år (2024) eller flera (2024–2026).")
    # Only when a plan is created; the service checks the choice (kb.services.areas.check_choice).
    area = SelectField("Område", validate_choice=False,
                       description="Det samverkansområde planen hör till. Lämna tomt för strukturens område.")
    adopted = StringField(
        "Fastställd", validators=[Optional()],
        description=f"När planen fastställdes (lämna tomt om den inte är fastställd). {DATE_HINT}")
    collaboration_plan = SelectField("Samverkansplan", validate_choice=False,
                                     description="Den samverkansplan vars prioriterade mål planen följer.")
    focus_areas = TextAreaField(
        "Fokusområden", validators=[Optional()],
        description="Ett per rad. Aktiviteterna visas grupperade i den här ordningen.")
    description = TextAreaField("Beskrivning", validators=[Optional()])
    comment = StringField("Kommentar", validators=[Optional()], description="Kort beskrivning av ändringen.")
    base_revision = HiddenField()
    save = SubmitField("Spara")

    def set_choices(self, structures: Iterable[Page], collaborations: Iterable[CollaborationPlan]) -> None:
        """Offer the live structure pages and collaboration plans."""
        self.structure.choices = structure_choices(structures, "(välj struktur)")
        self.collaboration_plan.choices = [SelectChoice("", "(ingen)")] + [
            SelectChoice(c.slug, f"{c.title} ({c.period})") for c in collaborations]

    def to_data(self, slug: str = "") -> plans.PlanData:
        """The form's values as service input."""
        return plans.PlanData(
            title=self.title.data or "", structure=self.structure.data or "", period=self.period.data or "",
            adopted=self.adopted.data or "", collaboration_plan=self.collaboration_plan.data or "",
            description=self.description.data or "", focus_areas=self.focus_areas.data or "", slug=slug)

    def fill_from(self, plan: ActionPlan) -> None:
        """Load a plan's current values and the revision the edit is based on."""
        self.title.data, self.period.data = plan.title, plan.period
        self.structure.data = plan.structure.slug if plan.structure else ""
        self.adopted.data = plan.adopted
        self.collaboration_plan.data = plan.collaboration_plan.slug if plan.collaboration_plan else ""
        self.focus_areas.data = "\n".join(plan.focus_areas or [])
        self.description.data = plan.description
        self.base_revision.data = str(plan.revision_number)


class CollaborationForm(KbForm):
    """Create or edit a collaboration plan (samverkansplan): the goals action plans follow."""

    title = StringField("Titel", description="T.ex. ”Samverkansplan 2023–2026”.")
    period = StringField("Period", description="Ett år (2024) eller flera (2023–2026).")
    # Only when a collaboration plan is created; the service checks the choice.
    area = SelectField("Område", validate_choice=False, description="Det samverkansområde planen gäller.")
    goals = TextAreaField(
        "Prioriterade mål", validators=[Optional()],
        description="Ett mål per rad, i prioritetsordning. Aktiviteter i planerna föreslås de här målen.")
    description = TextAreaField("Beskrivning", validators=[Optional()])
    comment = StringField("Kommentar", validators=[Optional()], description="Kort beskrivning av ändringen.")
    base_revision = HiddenField()
    save = SubmitField("Spara")

    def to_data(self) -> plans.CollaborationData:
        """The form's values as service input."""
        return plans.CollaborationData(title=self.title.data or "", period=self.period.data or "",
                                       goals=(self.goals.data or "").splitlines(),
                                       description=self.description.data or "")

    def fill_from(self, row: CollaborationPlan) -> None:
        """Load a collaboration plan's current values and the revision the edit is based on."""
        self.title.data, self.period.data, self.description.data = row.title, row.period, row.description
        self.goals.data = "\n".join(row.goals or [])
        self.base_revision.data = str(row.revision_number)


class ActivityForm(KbForm):
    """Create or edit an activity (all fields)."""

    goal = StringField("Mål", render_kw={"list": "malforslag", "autocomplete": "off"},
                       description="Välj ett förslag eller skriv ett eget mål.")
    subgoal = StringField("Delmål", validators=[Optional()])
    what = TextAreaField("Vad", description="Vad ska göras? Första raden blir aktivitetens namn.")
    how = TextAreaField("Hur", validators=[Optional()])
    decision = TextAreaField("Beslut", validators=[Optional()])
    responsible = SelectField("Ansvarig struktur", validate_choice=False)
    responsible_text = StringField(
        "Ansvarig (fritext)", validators=[Optional()],
        description="T.ex. en funktion eller organisation, om ingen struktur passar.")
    start = StringField("Start", validators=[Optional()], description=DATE_HINT)
    deadline = StringField("Slutdatum", validators=[Optional()], description=DATE_HINT)
    follow_up = TextAreaField(
        "Uppföljning", validators=[Optional()],
        description="Mätetal eller utfallsmått, t.ex. ”20 % fler SIP registrerade i SAMSA”.")
    status = SelectField("Status", choices=status_choices(), validate_choice=False)
    target_groups = CheckboxList("Målgrupper", choices=[SelectChoice(g, g) for g in TARGET_GROUPS],
                                 validate_choice=False)
    pages = TextAreaField(
        "Sidor", validators=[Optional()],
        description="Sidor som aktiviteten gäller, en sidadress per rad (det som står efter /sida/ i "
                    "adressfältet), t.ex. sip eller mini-maria.")
    comment = StringField("Kommentar", validators=[Optional()], description="Kort beskrivning av ändringen.")
    base_revision = HiddenField()
    save = SubmitField("Spara")

    def set_choices(self, structures: Iterable[Page]) -> None:
        """Offer the live structure pages as responsible."""
        self.responsible.choices = structure_choices(structures, "(ingen struktur)")

    def to_data(self) -> plans.ActivityData:
        """The form's values as service input."""
        return plans.ActivityData(
            goal=self.goal.data or "", subgoal=self.subgoal.data or "", what=self.what.data or "",
            how=self.how.data or "", decision=self.decision.data or "",
            responsible=self.responsible.data or "",
            responsible_text=self.responsible_text.data or "", start=self.start.data or "",
            deadline=self.deadline.data or "", follow_up=self.follow_up.data or "",
            status=self.status.data or "", target_groups=list(self.target_groups.data or []),
            pages=page_slugs(self.pages.data or ""))

    def fill_from(self, activity: Activity) -> None:
        """Load an activity's current values and the revision the edit is based on."""
        for name in ("goal", "subgoal", "what", "how", "decision", "responsible_text", "start", "deadline",
                     "follow_up", "status"):
            getattr(self, name).data = getattr(activity, name)
        self.responsible.data = activity.responsible.slug if activity.responsible else ""
        self.target_groups.data = list(activity.target_groups or [])
        self.pages.data = "\n".join(p.slug for p in activity.pages)
        self.base_revision.data = str(activity.revision_number)


class StatusForm(KbForm):
    """The quick status change on the activity page."""

    status = SelectField("Ny status", choices=status_choices(), validate_choice=False)
    comment = StringField("Kommentar", validators=[Optional()],
                          description="T.ex. vad som har hänt. Syns i statushistoriken.")
    base_revision = HiddenField()
    save = SubmitField("Ändra status")


class DeleteForm(KbForm):
    """Delete a plan or an activity (softly), based on the revision the editor saw."""

    comment = StringField("Varför tas den bort? (valfritt)", validators=[Optional()])
    base_revision = HiddenField()
    delete = SubmitField("Ta bort")


class RestoreForm(KbForm):
    """Bring a deleted plan or activity back."""

    comment = StringField("Kommentar", validators=[Optional()])
    restore = SubmitField("Återskapa")


class FilterForm(KbForm):
    """Narrow a plan's activities (a GET form: no CSRF, works without JavaScript)."""

    class Meta:
        csrf = False

    status = SelectField("Status", validate_choice=False)
    goal = SelectField("Mål", validate_choice=False)
    target_group = SelectField("Målgrupp", validate_choice=False)
    responsible = SelectField("Ansvarig", validate_choice=False)
    overdue = BooleanField("Bara försenade", render_kw={"value": "1"})

    def set_choices(self, activities: Iterable[Activity], hidden: frozenset[int] = frozenset()) -> None:
        """Options from the plan's own activities, in plan order (no structure of the `hidden` areas)."""
        activities = list(activities)
        goals = _unique(a.goal for a in activities)
        groups = [g for g in TARGET_GROUPS if any(g in (a.target_groups or []) for a in activities)]
        names = _unique(n for a in activities for n in plans.responsible_names(a, hidden))
        present = {a.status for a in activities}
        self.status.choices = [SelectChoice("", "Alla")] + [
            SelectChoice(s.value, s.label) for s in ActivityStatus
            if s.value in present or s.value == self.status.data]
        self.goal.choices = [SelectChoice("", "Alla")] + [SelectChoice(g, g) for g in goals]
        self.target_group.choices = [SelectChoice("", "Alla")] + [SelectChoice(g, g) for g in groups]
        self.responsible.choices = [SelectChoice("", "Alla")] + [SelectChoice(n, n) for n in sorted(names)]


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out


class ImportForm(KbForm):
    """Upload a CSV or Excel file of activities into a plan."""

    file = FileField("Fil", description="En CSV-fil eller en Excel-fil (.xlsx) med en rad per aktivitet.")
    save = SubmitField("Importera")

    def validate_file(self, field) -> None:
        """A file must be chosen, and be CSV or XLSX."""
        from wtforms.validators import ValidationError as FieldError

        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise FieldError("Välj en fil att importera.")
        if not upload.filename.lower().endswith(IMPORT_EXTENSIONS):
            raise FieldError("Filen måste vara en CSV-fil (.csv) eller en Excel-fil (.xlsx).")


class ImportPlanForm(ImportForm):
    """Import a new plan: the plan's fields here, or from the Excel file's Plan sheet."""

    title = StringField("Titel", validators=[Optional()])
    structure = SelectField("Struktur", validate_choice=False)
    period = StringField("Period", validators=[Optional()],
                         description="Ett år (2024) eller flera (2024–2026).")

    def set_choices(self, structures: Iterable[Page]) -> None:
        """Offer the live structure pages."""
        self.structure.choices = structure_choices(structures, "(från filen)")

    def plan_data(self) -> plans.PlanData | None:
        """The plan fields typed in the form, or None to take them from the file."""
        if not any((f.data or "").strip() for f in (self.title, self.structure, self.period)):
            return None
        return plans.PlanData(title=self.title.data or "", structure=self.structure.data or "",
                              period=self.period.data or "")
