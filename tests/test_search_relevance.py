"""Relevance over the demo content: staff find the right page the way they type.

Each case is (what a user types, the page they want). Exact titles must come first; every
other category must have the page in the top three. The cases are grouped by the ways
people actually type: inflected forms, parts of compounds, abbreviations and their
expansions, typos, whole questions, and no å/ä/ö.
"""
from __future__ import annotations

import pytest
from factories import make_app

from kb import index
from kb.services import transfer
from kb.services.demo import demo_folder

EXACT_TITLES = [
    ("Mini-Maria", "mini-maria"),
    ("Samordningsgruppen", "samordningsgruppen"),
    ("NOSAM Lerum", "nosam-lerum"),
    ("Avvikelser i samverkan", "avvikelser-i-samverkan"),
    ("Stöd i livets slutskede", "stod-i-livets-slutskede"),
    ("Socialmedicinsk mottagning", "socialmedicinsk-mottagning"),
    ("Proaktiv SIP vid demens", "proaktiv-sip-vid-demens"),
    ("Politiska samrådsgruppen", "politiska-samradsgruppen"),
    ("Handbok i brukarinflytande", "handbok-i-brukarinflytande"),
    ("Mötesformer och årshjul", "motesformer-och-arshjul"),
    ("Stor NOSAM", "stor-nosam"),
    ("NOSAM Äldre", "nosam-aldre"),
    ("God och nära vård", "god-och-nara-vard"),
    ("Ekonomi i SAMLA", "ekonomi-i-samla"),
    ("SAMLA", "samla"),
    ("NOSAM", "nosam"),
    ("Roller i samverkan", "roller-i-samverkan"),
    ("Ny i samverkan", "ny-i-samverkan"),
]

TOP_THREE = {
    "inflected forms": [
        ("avvikelsen", "avvikelser-i-samverkan"),
        ("rutinerna för utskrivning", "in-och-utskrivningsprocessen"),
        ("aktivitetsplanen", "aktivitetsplaner-och-uppfoljning"),
        ("arbetsutskottets", "samordningsgruppens-arbetsutskott"),
        ("temagrupperna", "temagrupper-och-arbetsgrupper"),
        ("rollerna", "roller-i-samverkan"),
        ("årsrapporten", "arsrapport-och-resultat"),
        ("brukarinflytandet", "handbok-i-brukarinflytande"),
        ("mottagningen för unga", "mini-maria"),
        ("samverkansplanens mål", "samverkansplanen-2023-2026"),
    ],
    "compound parts": [
        ("avvikelse", "avvikelser-i-samverkan"),
        ("utskrivning", "in-och-utskrivningsprocessen"),
        ("inskrivning", "in-och-utskrivningsprocessen"),
        ("suicid", "suicidprevention-och-mhfa"),
        ("prevention", "suicidprevention-och-mhfa"),
        ("socialmedicin", "socialmedicinsk-mottagning"),
        ("inflytande", "handbok-i-brukarinflytande"),
        ("områdessamverkan", "nosam"),
        ("undersökning", "ok-barn-och-ungas-halsa"),
        ("samrådsgrupp", "politiska-samradsgruppen"),
        ("arbetsgrupp", "temagrupper-och-arbetsgrupper"),
    ],
    "abbreviations and expansions": [
        ("BUP", "nosam-barn-och-unga"),
        # The page says only "BUP"; the glossary knows what it stands for.
        ("barn- och ungdomspsykiatrin", "nosam-barn-och-unga"),
        ("MCP", "medcontrol-pro"),
        ("MedControl Pro", "medcontrol-pro"),
        ("samordnad individuell plan", "sip"),
        ("EVI", "evi-en-vag-in"),
        ("en väg in", "evi-en-vag-in"),
        ("AU", "samordningsgruppens-arbetsutskott"),
        ("MHFA", "suicidprevention-och-mhfa"),
        ("första hjälpen till psykisk hälsa", "suicidprevention-och-mhfa"),
        ("ÖK", "ok-barn-och-ungas-halsa"),
        ("närområdessamverkan", "nosam"),
        ("NSPH", "handbok-i-brukarinflytande"),
        ("SIP", "sip"),
    ],
    "typos": [
        ("utskrivnig", "in-och-utskrivningsprocessen"),
        ("avvikelsr", "avvikelser-i-samverkan"),
        ("samordningsgrupen", "samordningsgruppen"),
        ("suicidprevension", "suicidprevention-och-mhfa"),
        ("brukarinflytnde", "handbok-i-brukarinflytande"),
        ("socialmedicinks", "socialmedicinsk-mottagning"),
        ("palliatv vård", "stod-i-livets-slutskede"),
        ("årshjulet mötesformmer", "motesformer-och-arshjul"),
    ],
    "questions": [
        ("när har mini-maria öppet", "mini-maria"),
        ("hur kallar jag till en SIP för ett barn", "sip"),
        ("var rapporterar man avvikelser", "avvikelser-i-samverkan"),
        ("vad är NOSAM", "nosam"),
        ("vem sitter i politiska samrådsgruppen", "politiska-samradsgruppen"),
        ("hur fungerar utskrivning från sjukhuset", "in-och-utskrivningsprocessen"),
        ("vad gör arbetsutskottet", "samordningsgruppens-arbetsutskott"),
        ("vilka mål har samverkansplanen", "samverkansplanen-2023-2026"),
        ("vart vänder sig unga med missbruk", "mini-maria"),
    ],
    "without å, ä and ö": [
        ("aldre", "nosam-aldre"),
        ("oppettider mini maria", "mini-maria"),
        ("arshjul", "motesformer-och-arshjul"),
        ("stod i livets slutskede", "stod-i-livets-slutskede"),
        ("hemgang", "in-och-utskrivningsprocessen"),
        ("politiska samradsgruppen", "politiska-samradsgruppen"),
        ("god och nara vard", "god-och-nara-vard"),
        ("ok barn och ungas halsa", "ok-barn-och-ungas-halsa"),
        ("psykisk halsa och missbruk", "nosam-psykisk-halsa-och-missbruk"),
        ("arsrapport", "arsrapport-och-resultat"),
        ("brukarinflytande nsph", "handbok-i-brukarinflytande"),
    ],
}


@pytest.fixture(scope="module")
def demo_search(tmp_path_factory):
    """The demo content, loaded once for this module: every case only reads it."""
    app = make_app(tmp_path_factory.mktemp("relevance") / "instance")
    with app.app_context():
        report = transfer.import_folder(demo_folder(), author="demo")
        assert not report.errors, report.errors

    def ranked(query: str) -> list[str]:
        with app.app_context():
            return [hit.slug for hit in index.search(query, kinds=("page",)).hits]

    return ranked


@pytest.mark.parametrize(("query", "slug"), EXACT_TITLES)
def test_an_exact_title_comes_first(demo_search, query, slug):
    """Does typing a page's whole title put that page first?"""
    assert demo_search(query)[:1] == [slug], demo_search(query)[:3]


@pytest.mark.parametrize(
    ("query", "slug"),
    [pytest.param(q, s, id=f"{category}: {q}") for category, cases in TOP_THREE.items() for q, s in cases],
)
def test_the_wanted_page_is_in_the_top_three(demo_search, query, slug):
    """Does the page staff are looking for rank among the first three hits?"""
    top = demo_search(query)[:3]
    assert slug in top, top


def test_there_are_at_least_forty_cases_in_every_category_together():
    """Is the relevance suite big enough to mean something (40+ queries, every category)?"""
    assert len(EXACT_TITLES) + sum(len(c) for c in TOP_THREE.values()) >= 40
    assert all(len(cases) >= 5 for cases in TOP_THREE.values())


def test_a_glossary_synonym_finds_pages_that_only_use_the_other_form(demo_search):
    """Does "BUP" find a page that only writes "barn- och ungdomspsykiatrin", and the reverse?"""
    assert "evi-en-vag-in" in demo_search("BUP")  # EVI's page spells it out, never "BUP"
    assert "nosam-lerum" in demo_search("barn- och ungdomspsykiatrin")  # NOSAM Lerum only says "BUP"


def test_exact_letters_rank_above_folded_ones(tmp_path):
    """Does "äldre" rank a page spelt "äldre" above one spelt "aldre", and "aldre" still find both?"""
    from factories import make_page

    app = make_app(tmp_path / "instance")
    with app.app_context():
        make_page("Boende för aldre", "Platser.\n", slug="utan-prickar")
        make_page("Boende för äldre", "Platser.\n", slug="med-prickar")
        assert [h.slug for h in index.search("äldre").hits] == ["med-prickar", "utan-prickar"]
        assert {h.slug for h in index.search("aldre").hits} == {"med-prickar", "utan-prickar"}


def test_a_title_match_beats_a_body_mention(tmp_path):
    """Does a page with the word in its title outrank a longer page that only mentions it?"""
    from factories import make_page

    app = make_app(tmp_path / "instance")
    with app.app_context():
        make_page("Nätverksträffar", "Här nämns hjälpmedelsförskrivning en gång bland mycket annat.\n" * 3)
        make_page("Hjälpmedelsförskrivning", "Så förskriver du hjälpmedel.\n")
        assert index.search("hjälpmedelsförskrivning").hits[0].title == "Hjälpmedelsförskrivning"
        assert index.search("hjälpmedel").hits[0].title == "Hjälpmedelsförskrivning"
