"""Forms for pages, one class per use case."""
from __future__ import annotations

from flask import current_app
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    Form,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from kb import typed
from kb.constants import TARGET_GROUPS, PageType, RevisionState
from kb.forms import KbBaseForm, KbForm
from kb.services.pages import PageData, merging


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def split_tags(value: str) -> list[str]:
    """Tags typed as a comma-separated list."""
    return [t.strip() for t in (value or "").split(",") if t.strip()]


class PageForm(KbForm):
    """Create or edit a page; length and value checks live in the page service."""

    title = StringField("Titel", description="Sidans rubrik, t.ex. ”Mini-Maria”.")
    type = SelectField("Sidtyp", choices=[SelectChoice(t.value, t.label) for t in PageType])
    slug = StringField(
        "Adress", validators=[Optional()],
        description=("Sidans adress på webben, det som står efter /sida/ (små bokstäver, siffror och "
                     "bindestreck). Lämna fältet tomt så skapas adressen från titeln. Byter du adress "
                     "leder den gamla adressen hit."),
    )
    # Choices: the areas the user may edit in (set_areas); the service checks the choice.
    area = SelectField("Område", validate_choice=False,
                       description="Det samverkansområde sidan hör till. Redaktörerna där kan ändra den.")
    summary = TextAreaField("Sammanfattning", description="En eller två meningar som visas i sökträffar.")
    tags = StringField("Etiketter", description="Separera med kommatecken, t.ex. sip, barn, samordning.")
    target_groups = CheckboxList("Målgrupper", choices=[SelectChoice(g, g) for g in TARGET_GROUPS])
    source = TextAreaField(
        "Text",
        description="Markdown. Länka till en annan sida med [[adress]] eller [[adress|visad text]].",
    )
    comment = StringField("Kort beskrivning av ändringen")
    base_revision = HiddenField()
    # On the conflict page: the revision the user first started from (for its list of others' changes).
    merge_base = HiddenField()
    # A new page from a Word document: the token its images wait under until the page is saved.
    word_images = HiddenField()
    preview = SubmitField("Förhandsgranska")
    save = SubmitField("Spara")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if current_app.config.get("REQUIRE_COMMENT"):
            self.comment.description = "Måste fyllas i när du sparar, t.ex. ”Nya öppettider”."

    def set_areas(self, areas, current=None) -> None:
        """Offer `areas` (kb.services.areas.editable_areas) and the page's `current` area (kept even
        when retired or not the user's: saving without moving must stay possible)."""
        choices = list(areas)
        if current is not None and all(a.id != current.id for a in choices):
            choices.insert(0, current)
        self.area.choices = [SelectChoice(a.key, a.name) for a in choices]

    def validate_comment(self, field) -> None:
        """With KB_REQUIRE_COMMENT on, a save needs a comment (a preview does not)."""
        if current_app.config.get("REQUIRE_COMMENT") and self.save.data and not (field.data or "").strip():
            raise ValidationError("Skriv en kort beskrivning av ändringen, t.ex. ”Nya öppettider”.")

    def to_data(self) -> PageData:
        """The form's values as service input."""
        return PageData(
            title=self.title.data or "", type=self.type.data or "", slug=(self.slug.data or "").strip() or None,
            summary=self.summary.data or "", tags=split_tags(self.tags.data or ""),
            target_groups=list(self.target_groups.data or []), source=self.source.data or "",
        )

    def fill_from_data(self, data: PageData) -> None:
        """Load page data (a merge of two edits) into the form; structured fields go to the facts forms."""
        self.title.data, self.type.data, self.slug.data = data.title, data.type, data.slug
        self.summary.data, self.source.data = data.summary, data.source
        self.tags.data = ", ".join(data.tags)
        self.target_groups.data = list(data.target_groups)

    def fill_from(self, page) -> None:
        """Load a page's newest revision (a draft waiting for approval, if there is one)."""
        current = page.current or page
        # A draft's proposed address, if it has one (it takes effect when the draft is approved).
        pending_slug = getattr(current, "slug", None) if getattr(current, "state", "") == RevisionState.DRAFT.value \
            else None
        self.title.data, self.type.data, self.slug.data = current.title, current.type, pending_slug or page.slug
        self.summary.data = current.summary
        self.tags.data = ", ".join(current.tags or [])
        self.target_groups.data = list(current.target_groups or [])
        self.source.data = getattr(current, "source", "")
        self.base_revision.data = str(page.revision_number)


class NewPageForm(PageForm):
    """Ny sida: a page form with a template to start from (kb.services.page_templates)."""

    # Choices: the templates for the chosen type and area (set by the view; the service checks the choice).
    template = SelectField("Mall", validate_choice=False,
                           description="Texten som sidan börjar med. Standardmallen fylls i när du väljer sidtyp.")
    # Without JavaScript: fills in the chosen template (and keeps the rest of the form).
    use_template = SubmitField("Använd mallen")


class WordUploadForm(KbForm):
    """Ny sida från Word-dokument: the document to convert, and the page type chosen so far."""

    document = FileField("Word-dokument (.docx)", validators=[FileRequired("Välj ett Word-dokument (.docx).")],
                         description=("Rubriker, stycken, fetstil och kursiv, listor, tabeller, länkar, fotnoter och "
                                      "bilder tas med. Du ser resultatet i redigeraren och kan rätta det innan du "
                                      "sparar; bilderna blir bilagor till sidan när du sparar."))
    type = HiddenField()
    read = SubmitField("Läs in dokumentet")


class CommentForm(KbForm):
    """A confirmed action (delete, restore, revert) with an optional comment."""

    comment = StringField("Kommentar", validators=[Optional()])
    submit = SubmitField("Bekräfta")


def conflicts_form(numbers: list[int], formdata=None) -> Form:
    """One choice per conflict still marked in the text (kb.services.pages.merging): keep the user's
    lines, the other person's, or both. No choice: the user edits the text (and removes the markers)."""

    class ConflictsForm(KbBaseForm):
        pass

    for number in numbers:
        setattr(ConflictsForm, f"krock_{number}", RadioField(
            f"Krock {number}", validators=[Optional()],
            choices=[SelectChoice(merging.MINE, "Behåll min version av stycket"),
                     SelectChoice(merging.THEIRS, "Behåll deras"),
                     SelectChoice(merging.BOTH, "Behåll båda (min först)")]))
    return ConflictsForm(formdata=formdata)


def conflict_choices(form: Form) -> dict[int, str]:
    """The choice made for each conflict, by its number."""
    return {int(name.removeprefix("krock_")): f.data for name, f in form._fields.items() if f.data}


def facts_form(page_type: str, formdata=None, values: dict | None = None,
               structures: list[tuple[str, str]] = (), approvers: list[tuple[str, str]] = (),
               organisations: list[tuple[str, str, bool]] = ()) -> Form:
    """A form for the structured fields of one page type (prefixed, so all types fit in one page).

    `approvers`: (username, name) of those who may be named approver; `organisations`: (key, name,
    retired) of the list "Gäller för" chooses from (retired ones only when already chosen).
    """

    class FactsForm(KbBaseForm):
        pass

    for spec in typed.specs_for(page_type):
        kwargs = {"description": spec.help}
        if spec.kind == typed.PAGE:
            choices = [SelectChoice("", "(ingen)")] + [SelectChoice(slug, title) for slug, title in structures]
            field = SelectField(spec.label, choices=choices, **kwargs)
        elif spec.kind == typed.USER:
            named = str((values or {}).get(spec.name) or "")
            people = list(approvers) + ([(named, named)] if named and named not in dict(approvers) else [])
            choices = [SelectChoice("", "(ingen – alla fastställare)")] + [
                SelectChoice(name, f"{shown} ({name})" if shown != name else name) for name, shown in people]
            field = SelectField(spec.label, choices=choices, **kwargs)
        elif spec.kind == typed.ORGANISATIONS:
            chosen = set((values or {}).get(spec.name) or [])
            choices = [SelectChoice(key, name + (" (avvecklad)" if retired else ""))
                       for key, name, retired in organisations if not retired or key in chosen]
            field = CheckboxList(spec.label, choices=choices, **kwargs)
        elif spec.kind == typed.CHOICE:
            field = SelectField(spec.label, choices=[SelectChoice("", "(välj)")] + [SelectChoice(c, c.capitalize())
                                                                                  for c in spec.choices], **kwargs)
        elif spec.kind in (typed.LONG, typed.LIST):
            field = TextAreaField(spec.label, **kwargs)
        else:
            field = StringField(spec.label, render_kw={"placeholder": "ÅÅÅÅ-MM-DD"} if spec.kind == typed.DATE
                                else None, **kwargs)
        setattr(FactsForm, spec.name, field)
    kinds = {spec.name: spec.kind for spec in typed.specs_for(page_type)}
    data = {}
    for name, value in (values or {}).items():
        if kinds.get(name) == typed.ORGANISATIONS:
            data[name] = list(value or [])
        else:
            data[name] = "\n".join(value) if isinstance(value, list) else str(value)
    return FactsForm(formdata=formdata, prefix=f"{page_type}-", data=data)


def facts_values(form: Form) -> dict:
    """The raw values of a facts form for the page service to validate."""
    return {name: field.data for name, field in form._fields.items()}
