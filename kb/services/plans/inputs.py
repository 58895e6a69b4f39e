"""Input for plans, activities and collaboration plans, and its validation (Swedish messages)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from kb import fuzzydate, pii
from kb.constants import TARGET_GROUPS, ActivityStatus, PageType
from kb.exceptions import ValidationError
from kb.models import ActionPlan, CollaborationPlan, Page
from kb.models.plans import period_label
from kb.services import pages as page_service
from kb.services.plans.common import (
    ACTIVITY_LABELS,
    DESCRIPTION_MAX,
    NAME_MAX,
    PERIOD_SPAN_MAX,
    RESERVED_PLAN_SLUGS,
    SHORT_MAX,
    TEXT_MAX,
)
from kb.services.plans.lookups import (
    get_collaboration_plan,
    plan_slug_taken,
    slug_for,
)
from kb.slugs import is_valid_slug, slugify


@dataclass
class ActivityData:
    """An activity as an editor or an import supplies it (dates and status as typed)."""

    goal: str = ""
    what: str = ""
    subgoal: str = ""
    how: str = ""
    decision: str = ""
    responsible: str = ""  # slug of a structure page, or ''
    responsible_text: str = ""
    start: object = ""
    deadline: object = ""
    follow_up: str = ""
    status: object = ActivityStatus.NOT_STARTED.value
    target_groups: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # page slugs

    def snapshot(self) -> dict:
        """JSON for a revision (call on cleaned data)."""
        return asdict(self)


@dataclass
class CleanActivity:
    """Validated activity data with the pages it refers to."""

    data: ActivityData
    responsible: Page | None
    pages: list[Page]


@dataclass
class PlanData:
    """An action plan's own fields (not its activities)."""

    title: str
    structure: str  # slug of a structure page
    period: object  # "2024", "2024–2026"
    adopted: object = ""
    collaboration_plan: str = ""  # slug of a collaboration plan, or ''
    description: str = ""
    focus_areas: list[str] = field(default_factory=list)
    slug: str = ""


@dataclass
class CollaborationData:
    """A collaboration plan's fields."""

    title: str
    period: object
    goals: list[str] = field(default_factory=list)
    description: str = ""
    slug: str = ""


def one_line(value: object) -> str:
    """Text on one line, runs of white space as one space."""
    return " ".join(str(value or "").split())


def _text(value: object) -> str:
    lines = [ln.rstrip() for ln in str(value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _lines(values: Iterable[object]) -> list[str]:
    out: list[str] = []
    for value in values:
        item = one_line(value)
        if item and item not in out:
            out.append(item)
    return out


def split_list(value: object) -> list[str]:
    """Items of a list typed in one box: separated by commas, semicolons or new lines."""
    if isinstance(value, list | tuple):
        return _lines(value)
    return _lines(re.split(r"[;,\n]", str(value or "")))


def _line_list(value: object) -> list[str]:
    """Items typed one per line (headings may contain commas), or given as a list."""
    if isinstance(value, list | tuple):
        return _lines(value)
    return _lines(str(value or "").split("\n"))


def parse_period(value: object) -> tuple[int, int]:
    """(first year, last year) from "2024", "2024–2026", "2024-2026" or "2024/2026"."""
    text = one_line(value).replace("–", "-").replace("—", "-").replace("/", "-").replace(" ", "")
    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text)
    if not m:
        raise ValueError("Ange perioden som ett år (2024) eller två år (2024–2026).")
    start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    if not fuzzydate.YEAR_MIN <= start <= fuzzydate.YEAR_MAX or not fuzzydate.YEAR_MIN <= end <= fuzzydate.YEAR_MAX:
        raise ValueError(f"Perioden ”{one_line(value)}” verkar fel.")
    if end < start:
        raise ValueError("Periodens sista år kan inte vara före det första.")
    if end - start > PERIOD_SPAN_MAX:
        raise ValueError(f"En period får vara högst {PERIOD_SPAN_MAX} år.")
    return start, end


def _length(errors: dict[str, str], key: str, value: str, limit: int, label: str) -> None:
    if len(value) > limit and key not in errors:
        errors[key] = f"{label} får vara högst {limit} tecken (nu {len(value)})."


def _target_groups(values: Iterable[str], errors: dict[str, str]) -> list[str]:
    by_fold = {g.casefold(): g for g in TARGET_GROUPS}
    out: list[str] = []
    for value in values:
        group = by_fold.get(value.casefold())
        if group is None:
            errors.setdefault("target_groups", f"Okänd målgrupp ”{value}”. Välj bland: {', '.join(TARGET_GROUPS)}.")
        elif group not in out:
            out.append(group)
    return [g for g in TARGET_GROUPS if g in out]


def live_page(slug: str) -> Page | None:
    """The live page at an address (or an old address), None if there is none or it is deleted."""
    page, _ = page_service.resolve(slug)
    return page if page is not None and not page.deleted else None


def structure_page(slug: str) -> Page:
    """The live structure page with this slug (old slugs too); ValueError with a Swedish message."""
    page = live_page(slug)
    if page is None:
        raise ValueError(f"Det finns ingen sida ”{slug}”.")
    if page.type != PageType.STRUCTURE.value:
        raise ValueError(f"”{page.title}” är ingen struktursida.")
    return page


def clean_activity(data: ActivityData) -> CleanActivity:
    """Normalise and validate an activity; ValidationError maps each field to a Swedish message."""
    errors: dict[str, str] = {}
    out = ActivityData(
        goal=one_line(data.goal), what=_text(data.what), subgoal=one_line(data.subgoal), how=_text(data.how),
        decision=_text(data.decision), responsible=one_line(data.responsible).lower(),
        responsible_text=one_line(data.responsible_text), follow_up=_text(data.follow_up),
    )
    if not out.goal:
        errors["goal"] = "Ange vilket mål aktiviteten hör till (Mål)."
    if not out.what:
        errors["what"] = "Beskriv vad som ska göras (Vad)."
    for key, limit in (("goal", SHORT_MAX), ("subgoal", SHORT_MAX), ("what", TEXT_MAX), ("how", TEXT_MAX),
                       ("decision", TEXT_MAX), ("follow_up", TEXT_MAX), ("responsible_text", NAME_MAX)):
        _length(errors, key, getattr(out, key), limit, ACTIVITY_LABELS[key])
    try:
        out.status = ActivityStatus.parse(data.status).value
    except ValueError as exc:
        errors["status"] = str(exc)
        out.status = ""
    for key in ("start", "deadline"):
        try:
            setattr(out, key, fuzzydate.parse(getattr(data, key)))
        except fuzzydate.FuzzyDateError as exc:
            errors[key] = str(exc)
            setattr(out, key, "")
    if out.start and out.deadline and fuzzydate.last_day(out.deadline) < fuzzydate.first_day(out.start):
        errors.setdefault("deadline", "Slutdatum kan inte ligga före start.")
    out.target_groups = _target_groups(split_list(data.target_groups), errors)
    responsible: Page | None = None
    if out.responsible:
        try:
            responsible = structure_page(out.responsible)
            out.responsible = responsible.slug
        except ValueError as exc:
            errors["responsible"] = str(exc)
    linked: list[Page] = []
    missing: list[str] = []
    for slug in split_list(data.pages):
        page = live_page(slug.lower())
        if page is None:
            missing.append(slug)
        elif page not in linked:
            linked.append(page)
    if missing:
        names = ", ".join(f"”{s}”" for s in missing)
        errors["pages"] = f"Sidan {names} finns inte." if len(missing) == 1 else f"Sidorna {names} finns inte."
    out.pages = [p.slug for p in linked]
    pnr = pii.field_errors(tuple((key, ACTIVITY_LABELS[key], getattr(out, key)) for key in
                                 ("goal", "subgoal", "what", "how", "decision", "responsible_text", "follow_up")))
    errors.update({k: v for k, v in pnr.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    return CleanActivity(out, responsible, linked)


def validate_plan(data: PlanData, *, current: ActionPlan | None = None) -> tuple[PlanData, Page | None,
                                                                               CollaborationPlan | None, int, int]:
    """The checked plan, its structure page, its collaboration plan and its period years
    (ValidationError with every message)."""
    errors: dict[str, str] = {}
    title = one_line(data.title)
    if not title:
        errors["title"] = "Ange planens titel."
    _length(errors, "title", title, NAME_MAX, "Titeln")
    slug = one_line(data.slug).lower() or (current.slug if current else slug_for(title))
    if title and not is_valid_slug(slug):
        errors["slug"] = "Adressen får bara innehålla a–z, 0–9 och bindestreck."
    elif slug and plan_slug_taken(slug, current):
        errors["slug"] = f"Det finns redan en plan med adressen ”{slug}”."
    structure: Page | None = None
    if not one_line(data.structure):
        errors["structure"] = "Välj vilken struktur planen tillhör."
    else:
        try:
            structure = structure_page(one_line(data.structure).lower())
        except ValueError as exc:
            errors["structure"] = str(exc)
    start = end = 0
    try:
        start, end = parse_period(data.period)
    except ValueError as exc:
        errors["period"] = str(exc)
    adopted = ""
    try:
        adopted = fuzzydate.parse(data.adopted)
    except fuzzydate.FuzzyDateError as exc:
        errors["adopted"] = str(exc)
    collaboration: CollaborationPlan | None = None
    if one_line(data.collaboration_plan):
        collaboration = get_collaboration_plan(one_line(data.collaboration_plan).lower())
        if collaboration is None or collaboration.deleted:
            errors["collaboration_plan"] = f"Det finns ingen samverkansplan ”{one_line(data.collaboration_plan)}”."
    description = _text(data.description)
    _length(errors, "description", description, DESCRIPTION_MAX, "Beskrivningen")
    focus = _line_list(data.focus_areas)
    if any(len(f) > SHORT_MAX for f in focus):
        errors["focus_areas"] = f"Ett fokusområde får vara högst {SHORT_MAX} tecken."
    pnr = pii.field_errors((("title", "Titel", title), ("description", "Beskrivning", description),
                            ("focus_areas", "Fokusområden", "\n".join(focus)), ("slug", "Adress", slug)))
    errors.update({k: v for k, v in pnr.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    clean = PlanData(title=title, structure=structure.slug if structure else "", period=period_label(start, end),
                     adopted=adopted, collaboration_plan=collaboration.slug if collaboration else "",
                     description=description, focus_areas=focus, slug=slug)
    return clean, structure, collaboration, start, end


def clean_plan(data: PlanData, *, current: ActionPlan | None = None) -> PlanData:
    """Normalised plan fields (as a revision would store them); ValidationError as for a save."""
    return validate_plan(data, current=current)[0]


def validate_collaboration(data: CollaborationData, *, current: CollaborationPlan | None = None
                           ) -> tuple[CollaborationData, int, int]:
    """The checked collaboration plan and its period years (ValidationError with every message)."""
    errors: dict[str, str] = {}
    title = one_line(data.title)
    if not title:
        errors["title"] = "Ange samverkansplanens titel."
    _length(errors, "title", title, NAME_MAX, "Titeln")
    slug = one_line(data.slug).lower() or (current.slug if current else slugify(title))
    if title and not is_valid_slug(slug):
        errors["slug"] = "Adressen får bara innehålla a–z, 0–9 och bindestreck."
    elif slug in RESERVED_PLAN_SLUGS or slug.isdigit():
        errors["slug"] = f"Adressen ”{slug}” är reserverad. Välj en annan titel."
    else:
        other = get_collaboration_plan(slug) if slug else None
        if other is not None and other is not current:
            errors["slug"] = f"Det finns redan en samverkansplan med adressen ”{slug}”."
    start = end = 0
    try:
        start, end = parse_period(data.period)
    except ValueError as exc:
        errors["period"] = str(exc)
    goals = _line_list(data.goals)
    if any(len(g) > SHORT_MAX for g in goals):
        errors["goals"] = f"Ett mål får vara högst {SHORT_MAX} tecken."
    description = _text(data.description)
    _length(errors, "description", description, DESCRIPTION_MAX, "Beskrivningen")
    pnr = pii.field_errors((("title", "Titel", title), ("slug", "Adress", slug), ("goals", "Mål", "\n".join(goals)),
                            ("description", "Beskrivning", description)))
    errors.update({k: v for k, v in pnr.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    return CollaborationData(title, period_label(start, end), goals, description, slug), start, end


def clean_collaboration(data: CollaborationData, *, current: CollaborationPlan | None = None) -> CollaborationData:
    """A collaboration plan's fields as they would be saved (ValidationError if they cannot be)."""
    return validate_collaboration(data, current=current)[0]
