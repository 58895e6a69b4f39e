"""The Whoosh schema, declared once, and the documents built from database rows."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh.fields import BOOLEAN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.system import pack_uint

from kb import analysis, markup
from kb.index.snippets import display_text

# Stored body text is cut here: snippets come from the start of long pages anyway, and the
# index stays small. Everything is still *indexed*.
STORED_TEXT_MAX = 20_000
# Page statuses (fields["status"]) that mean "not ready": hidden unless a search asks for drafts.
DRAFT_STATUSES = frozenset({"utkast", "draft"})



class CountedText(TEXT):
    """A TEXT field (frequencies, no positions) that indexes a text by its distinct words.

    Whoosh's own path runs the analyzer token by token and adds up each term in Python; most of
    a rebuild went there. `analysis.term_counts` gives the same (term, frequency) pairs, so the
    index, its field lengths and its scores are the same (tests compare the two).
    """

    def index(self, value: Any, **kwargs: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
        """(term as UTF-8, frequency, weight, encoded frequency) for each distinct term."""
        if not isinstance(value, str) or not analysis.counts_words(self.analyzer):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        for term, freq in analysis.term_counts(self.analyzer, value).items():
            yield term.encode("utf-8"), freq, freq * boost, pack_uint(freq)


_stem = analysis.StemAnalyzer()

SCHEMA = Schema(
    # Unique key "page:12" / "draft:12" / "glossary:3": what update_document and delete_by_term use.
    id=ID(unique=True, stored=True),
    # What the document is: page, draft (a page's text waiting for approval), glossary, activity,
    # plan, attachment.
    kind=ID(stored=True),
    # Page slug or glossary term, for links.
    slug=ID(stored=True),
    # The area (collaboration body) the document belongs to, as its id; "" for a glossary term of
    # the whole region. Members-only areas are masked out by it, and it is a filter and facet.
    area=ID(stored=True),
    # Page type ("routine", …; "glossary" for terms): filters and facets count on it.
    type=ID(stored=True),
    # Target groups, comma separated because names contain spaces; filters and facets.
    target_groups=KEYWORD(stored=True, commas=True, lowercase=False),
    # Drafts are hidden unless asked for: draft documents, pages never approved (and their
    # attachments), and pages whose status is "utkast".
    draft=BOOLEAN(stored=True),
    # A page document whose page also has a draft document: left out when drafts are asked for,
    # so the page is found once, by its newest text.
    has_draft=BOOLEAN(),
    # Draft documents of pages never approved: the usernames of everyone who wrote a version, who
    # find their own new pages without asking for drafts.
    authors=KEYWORD(commas=True, lowercase=False),
    # Organisation keys a routine applies to ("Gäller för"), comma separated: a filter and facet.
    applies_to=KEYWORD(stored=True, commas=True, lowercase=False),
    # Title stems (exact letters): the strongest ordinary signal; stored for display.
    title=CountedText(analyzer=_stem, phrase=False, stored=True),
    # The whole title, folded and normalised: a query equal to a title gets its own boost.
    title_exact=ID(),
    # Folded stems of title and tags, so "aldreomsorg" and "Äldreomsorg" meet in a title.
    title_folded=CountedText(analyzer=analysis.FoldedAnalyzer(), phrase=False),
    # Every prefix of every title word (folded), for search-as-you-type.
    title_edge=CountedText(analyzer=analysis.EdgeAnalyzer(), phrase=False),
    # Tag stems: an editor's own keywords, weighted close to the title.
    tags=CountedText(analyzer=_stem, phrase=False),
    # Short description, stems; stored for display.
    summary=CountedText(analyzer=_stem, phrase=False, stored=True),
    # Body plain text, stems. No positions: we do not run phrase queries, and it halves the work.
    body=CountedText(analyzer=_stem, phrase=False),
    # Folded stems of summary and body words that had å/ä/ö: "hemtjanst" finds "hemtjänst"
    # but ranks below the exact spelling (its weight is lower).
    folded=CountedText(analyzer=analysis.FoldedAnalyzer(only_changed=True), phrase=False),
    # Compound parts (prefixes/suffixes, 4+ letters) of title and tag words: "avvikelse" finds
    # "Avvikelsehantering" even when the word list lacks a part. Summary and body words are split
    # only into dictionary parts (`title_parts`, `parts`): every prefix and suffix of every body
    # word would double the postings the index has to write.
    subword=CountedText(analyzer=analysis.SubwordAnalyzer(), phrase=False),
    # Dictionary compound parts (kb.analysis.Decompounder) as stems: "hemsjukvård" and "teamet"
    # find "hemsjukvårdsteamet". Searched in the strict pass below whole words
    # (kb.index.query.W_TITLE_PARTS, W_PARTS): those of title, tags and summary words say what
    # the page is about (a ranking tier of their own), those of the body only that it mentions it.
    title_parts=CountedText(analyzer=analysis.PartsAnalyzer(), phrase=False),
    parts=CountedText(analyzer=analysis.PartsAnalyzer(), phrase=False),
    # "area<TAB>abbreviation<TAB>name" of a title that gives both ("Socialtjänstlagen (SoL)"):
    # a glossary pair of its own, read from the lexicon (kb.index.searching._synonyms).
    abbreviation=ID(),
    # Surface words of title, summary and tags: the vocabulary for "Menade du …?".
    spell=CountedText(analyzer=analysis.SpellAnalyzer(), phrase=False, spelling=False),
    # Display only: tags as written, start of the body as plain text for snippets (display_text),
    # glossary expansion, last change time.
    tags_display=STORED(),
    text=STORED(),
    expansion=STORED(),
    updated=STORED(),
    # Activities and plans: what they belong to (plan title; structure and period) and the
    # activity's status code, shown with the hit.
    context=STORED(),
    status=STORED(),
    # Attachments: the slug of the page they are on (linked from the hit).
    parent=STORED(),
)


def page_key(page_id: int) -> str:
    """Unique index id of a page."""
    return f"page:{page_id}"


def draft_key(page_id: int) -> str:
    """Unique index id of a page's draft (its newest text, waiting for approval)."""
    return f"draft:{page_id}"


def glossary_key(term_id: int) -> str:
    """Unique index id of a glossary term."""
    return f"glossary:{term_id}"


def activity_key(activity_id: int) -> str:
    """Unique index id of an activity."""
    return f"activity:{activity_id}"


def plan_key(plan_id: int) -> str:
    """Unique index id of an action plan."""
    return f"plan:{plan_id}"


def attachment_key(attachment_id: int) -> str:
    """Unique index id of an attachment."""
    return f"attachment:{attachment_id}"


# Structured fields that are not searched as text: usernames, organisation keys and dates that
# would only add noise to snippets (organisations are a filter of their own).
UNSEARCHED_FIELDS = frozenset({"approver", "applies_to", "review_interval", "valid_until"})


def area_value(area_id: int | None) -> str:
    """The `area` field of a document in the area `area_id` ("" for none: region-wide)."""
    return str(area_id) if area_id is not None else ""


def abbreviation_value(title: str, area_id: int | None) -> str:
    """The `abbreviation` field of a document titled `title` ("" when the title gives none)."""
    found = analysis.title_abbreviation(title)
    return "\t".join([area_value(area_id), *found]) if found else ""


def parse_abbreviation(value: str) -> tuple[str, str, str] | None:
    """(area, abbreviation, name) of an `abbreviation` field value."""
    fields = value.split("\t")
    return (fields[0], fields[1], fields[2]) if len(fields) == 3 else None


def _field_texts(fields: dict) -> list[str]:
    out: list[str] = []
    for name, value in fields.items():
        if name in UNSEARCHED_FIELDS:
            continue
        if isinstance(value, list):
            out.extend(str(v) for v in value)
        elif isinstance(value, str):
            out.append(value)
    return out


def _applies_to(fields: dict) -> str:
    value = fields.get("applies_to") or []
    return ",".join(str(v) for v in value) if isinstance(value, list) else ""


def _page_like_document(key: str, kind: str, slug: str, content: Any, text: str, updated: Any,
                        draft: bool, area_id: int | None) -> dict[str, Any]:
    """Index document of a page's content (`content`: a Page or a Revision row) in the page's area."""
    tags = [t for t in (content.tags or []) if t]
    tags_text = " ".join(tags)
    fields = content.fields or {}
    # Structured fields (opening hours, members, mandate …) are searched like body text.
    text = "\n".join(filter(None, [text, *_field_texts(fields)]))
    summary = content.summary or ""
    status = str(fields.get("status", "")).strip().lower()
    return {
        "id": key,
        "kind": kind,
        "slug": slug,
        "area": area_value(area_id),
        "type": content.type,
        "target_groups": ",".join(content.target_groups or []),
        "draft": draft or status in DRAFT_STATUSES,
        "has_draft": False,
        "applies_to": _applies_to(fields),
        "title": content.title,
        "title_exact": analysis.normalize_title(content.title),
        "title_folded": f"{content.title}\n{tags_text}",
        "title_edge": content.title,
        "tags": tags_text,
        "summary": summary,
        "body": text,
        "folded": f"{summary}\n{text}",
        "subword": f"{content.title}\n{tags_text}",
        "title_parts": f"{content.title}\n{tags_text}\n{summary}",
        "parts": text,
        "abbreviation": abbreviation_value(content.title, area_id),
        "spell": f"{content.title}\n{tags_text}\n{summary}",
        "tags_display": tags,
        "text": display_text(text[:STORED_TEXT_MAX]),
        "expansion": "",
        "updated": updated.isoformat(timespec="seconds") if updated else "",
    }


def page_document(page: Any, *, has_draft: bool = False) -> dict[str, Any]:
    """Index document of a Page row: what readers see (a page never approved is indexed as a draft)."""
    doc = _page_like_document(page_key(page.id), "page", page.slug, page, page.text or "", page.updated_at,
                              draft=page.published_revision_id is None, area_id=page.area_id)
    doc["has_draft"] = has_draft
    return doc


def draft_document(page: Any, revision: Any, authors: Iterable[str] = ()) -> dict[str, Any]:
    """Index document of a page's newest revision while it waits for approval (editors only);
    `authors` (of a page never approved) find it in their own searches."""
    doc = _page_like_document(draft_key(page.id), "draft", page.slug, revision,
                              markup.plain_text(revision.source), revision.created_at, draft=True,
                              area_id=page.area_id)
    doc["authors"] = ",".join(sorted({a for a in authors if a and "," not in a}))
    return doc


def glossary_document(term: Any) -> dict[str, Any]:
    """Index document of a GlossaryTerm row: findable by term, expansion and description."""
    description = term.description or ""
    return {
        "id": glossary_key(term.id),
        "kind": "glossary",
        "slug": term.term,
        "area": area_value(term.area_id),
        "type": "glossary",
        "target_groups": "",
        "draft": False,
        "has_draft": False,
        "applies_to": "",
        "title": term.term,
        "title_exact": analysis.normalize_title(term.term),
        "title_folded": f"{term.term}\n{term.expansion}",
        "title_edge": term.term,
        "tags": "",
        "summary": term.expansion,
        "body": description,
        "folded": f"{term.expansion}\n{description}",
        "subword": f"{term.term}\n{term.expansion}",
        "title_parts": f"{term.term}\n{term.expansion}",
        "parts": description,
        "abbreviation": "",
        "spell": f"{term.term}\n{term.expansion}",
        "tags_display": [],
        "text": display_text(description[:STORED_TEXT_MAX]),
        "expansion": term.expansion,
        "updated": term.updated_at.isoformat(timespec="seconds") if term.updated_at else "",
    }


def _secondary_document(key: str, kind: str, slug: str, title: str, summary: str, text: str,
                        target_groups: list[str], updated: Any, context: str, status: str,
                        area_id: int | None) -> dict[str, Any]:
    """Index document of a record that is not a page (activity, plan, attachment) in the area
    `area_id`: searched by its title, summary and text, never offered by search-as-you-type."""
    return {
        "id": key,
        "kind": kind,
        "slug": slug,
        "area": area_value(area_id),
        "type": kind,
        "target_groups": ",".join(target_groups),
        "draft": False,
        "has_draft": False,
        "applies_to": "",
        "title": title,
        "title_exact": analysis.normalize_title(title),
        "title_folded": title,
        "title_edge": "",
        "tags": "",
        "summary": summary,
        "body": text,
        "folded": f"{summary}\n{text}",
        "subword": title,
        "title_parts": f"{title}\n{summary}",
        "parts": text,
        "abbreviation": abbreviation_value(title, area_id),
        "spell": f"{title}\n{summary}",
        "tags_display": [],
        "text": display_text(text[:STORED_TEXT_MAX]),
        "expansion": "",
        "updated": updated.isoformat(timespec="seconds") if updated else "",
        "context": context,
        "status": status,
    }


def activity_document(activity: Any) -> dict[str, Any]:
    """Index document of an Activity row (its plan must be loaded)."""
    plan = activity.plan
    responsible = [activity.responsible.title] if activity.responsible is not None else []
    if activity.responsible_text:
        responsible.append(activity.responsible_text)
    text = "\n".join(filter(None, [activity.what, activity.how, activity.decision, activity.follow_up,
                                   *responsible]))
    summary = " – ".join(filter(None, [activity.goal, activity.subgoal]))
    return _secondary_document(activity_key(activity.id), "activity", str(activity.id), activity.title,
                               summary, f"{text}\n{plan.title}", list(activity.target_groups or []),
                               activity.updated_at, plan.title, activity.status, plan.area_id)


def plan_document(plan: Any) -> dict[str, Any]:
    """Index document of an ActionPlan row."""
    structure = plan.structure.title if plan.structure is not None else ""
    collaboration = plan.collaboration_plan.title if plan.collaboration_plan is not None else ""
    text = "\n".join(filter(None, [plan.description, *(plan.focus_areas or []), structure, collaboration]))
    return _secondary_document(plan_key(plan.id), "plan", plan.slug, plan.title, plan.description[:300],
                               text, [], plan.updated_at, f"{structure} · {plan.period}" if structure
                               else plan.period, "", plan.area_id)


def attachment_document(attachment: Any, version: Any, page: Any) -> dict[str, Any]:
    """Index document of an attachment: its current version's text, under the document's name,
    with the page it is on as context (and that page's target groups and draft state)."""
    doc = _secondary_document(attachment_key(attachment.id), "attachment", str(attachment.id),
                              attachment.name, "", version.text or "", list(page.target_groups or []),
                              attachment.updated_at, page.title, "", page.area_id)
    status = str((page.fields or {}).get("status", "")).strip().lower()
    doc.update(draft=status in DRAFT_STATUSES or page.published_revision_id is None, parent=page.slug)
    return doc
