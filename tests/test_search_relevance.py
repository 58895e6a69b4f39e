"""Relevance over the demo content and a test corpus: staff find the right page the way they type.

Each case is (what a user types, the page they want). Exact titles must come first; every
other category must have the page in the top three, and each category's mean reciprocal rank
(MRR@10) must stay above its floor; `make test` prints the figures. The cases are grouped by the ways
people actually type: inflected forms, parts of compounds, abbreviations and their
expansions, typos, whole questions, and no å/ä/ö.
"""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
from factories import make_app
from relevance_report import MRR_KEY

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
    ("Förkortningar och begrepp", "forkortningar-och-begrepp"),
    ("Mobila vårdformer", "mobila-vardformer"),
    ("Samordningsgruppens arbetsutskott", "samordningsgruppens-arbetsutskott"),
    ("Temagrupper och arbetsgrupper", "temagrupper-och-arbetsgrupper"),
    ("Samverkande sjukvård i hemmet", "samverkande-sjukvard-i-hemmet"),
    ("Aktivitetsplaner och uppföljning", "aktivitetsplaner-och-uppfoljning"),
    ("Årsrapport och resultat", "arsrapport-och-resultat"),
    ("MedControl Pro (MCP)", "medcontrol-pro"),
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
        ("demensen", "proaktiv-sip-vid-demens"),
        ("överenskommelsen om barn och ungas hälsa", "ok-barn-och-ungas-halsa"),
        ("temagruppen för äldre", "tg-aldre"),
        ("budgeten", "ekonomi-i-samla"),
        ("mötesformerna", "motesformer-och-arshjul"),
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
        # #24: a word written together that the index does not know, as its known parts.
        ("minimaria", "mini-maria"),
        ("avvikelserapport", "avvikelser-i-samverkan"),
        # #24: a known compound ranks the page about its parts above a list that names it.
        ("utskrivningsklar", "in-och-utskrivningsprocessen"),
        ("barnhälsonätverk", "barnhalsonatverk-0-6-ar"),
        ("hälsoundersökning", "ok-barn-och-ungas-halsa"),
        ("brukarmedverkan", "handbok-i-brukarinflytande"),
        ("akutläkarbil", "mobila-vardformer"),
        ("samverkansplan", "samverkansplanen-2023-2026"),
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
        ("MCP avvikelse", "medcontrol-pro"),
        ("TG BoU", "tg-bou"),
        ("LOSAM", "losam"),
        ("lokal samverkansgrupp barn och unga", "losam"),
        ("FCA", "barnhalsonatverk-0-6-ar"),
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
        ("samverkansplannen", "samverkansplanen-2023-2026"),
        ("arbetsutskotet", "samordningsgruppens-arbetsutskott"),
        ("socialmedicinsk motagning", "socialmedicinsk-mottagning"),
        ("barnhälsonätvek", "barnhalsonatverk-0-6-ar"),
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
        # #24: question words never outweigh the content words, written together or not.
        ("när har minimaria öppet", "mini-maria"),
        ("var ligger mini-maria", "mini-maria"),
        ("vem har hand om budgeten", "ekonomi-i-samla"),
        ("hur gör jag en avvikelserapport", "avvikelser-i-samverkan"),
        ("vilken grupp bereder ärenden till samordningsgruppen", "samordningsgruppens-arbetsutskott"),
        ("vad betyder utskrivningsklar", "in-och-utskrivningsprocessen"),
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
        ("mobila vardformer", "mobila-vardformer"),
        ("stod i livets slutskede palliativ", "stod-i-livets-slutskede"),
        ("overenskommelse barn", "ok-barn-och-ungas-halsa"),
    ],
}

# A second corpus written for these tests (tests/relevance_corpus): one vårdsamverkan whose pages
# compete for the same words, so a page wins by being *about* the word, not by mentioning it.
CORPUS = Path(__file__).parent / "relevance_corpus"

CORPUS_EXACT_TITLES = [
    ("Kvällar och helger i hemmet", "kvallar-och-helger"),
    ("Larm och nycklar", "larm-och-nycklar"),
    ("Rehabilitering i hemmet", "rehabilitering-i-hemmet"),
    ("Socialtjänstlagen (SoL)", "socialtjanstlagen"),
    ("Bistånd till äldre", "bistand-till-aldre"),
    ("Daglig verksamhet", "daglig-verksamhet"),
    ("Ung-Kraft", "ung-kraft"),
    ("Planering inför hemgång", "planering-infor-hemgang"),
    ("Läkemedelsgenomgångar", "lakemedelsgenomgangar"),
    ("Rapportera avvikelser", "rapportera-avvikelser"),
    ("Mötesplats för anhöriga", "motesplats-for-anhoriga"),
    ("Förebygga fall hos äldre", "forebygga-fall"),
]

CORPUS_TOP_THREE = {
    "inflected forms": [
        ("läkemedelsgenomgången", "lakemedelsgenomgangar"),
        ("trygghetslarmet", "larm-och-nycklar"),
        ("nycklarna", "larm-och-nycklar"),
        ("samtalsgrupperna", "motesplats-for-anhoriga"),
        ("rehabiliteringen", "rehabilitering-i-hemmet"),
        ("avvikelserna", "rapportera-avvikelser"),
        ("hemgången", "planering-infor-hemgang"),
    ],
    "compound parts": [
        # #24: the page whose summary has "hemsjukvårdsteamet" beats pages that only mention
        # "hemsjukvård" or "teamet".
        ("hemsjukvård", "kvallar-och-helger"),
        ("teamet", "kvallar-och-helger"),
        ("hemsjukvårdsteam", "kvallar-och-helger"),
        ("sjuksköterska kväll", "kvallar-och-helger"),
        ("ungkraft", "ung-kraft"),
        ("hemgångsplanering", "planering-infor-hemgang"),
        ("fallriskbedömning", "forebygga-fall"),
        ("anhörigträffar", "motesplats-for-anhoriga"),
        ("biståndshandläggare", "bistand-till-aldre"),
        ("larmcentral", "larm-och-nycklar"),
        ("avvikelsesamordnare", "rapportera-avvikelser"),
        ("läkemedelslista", "lakemedelsgenomgangar"),
        ("hemrehabilitering", "rehabilitering-i-hemmet"),
        ("nyckelskåp", "larm-och-nycklar"),
    ],
    "abbreviations and expansions": [
        # #24: no glossary entry: the title "Socialtjänstlagen (SoL)" pairs the two.
        ("SoL", "socialtjanstlagen"),
        ("socialtjänstlagen", "socialtjanstlagen"),
        ("LSS", "lagen-om-stod-och-service"),
        ("KAT", "kvallar-och-helger"),
        ("TNL", "lakemedelsgenomgangar"),
        ("lagen om stöd och service", "lagen-om-stod-och-service"),
    ],
    "typos": [
        ("rehabiliterng", "rehabilitering-i-hemmet"),
        ("trygghetslam", "larm-och-nycklar"),
        ("läkemedelsgenomgng", "lakemedelsgenomgangar"),
        ("samtalsgruper", "motesplats-for-anhoriga"),
        ("avvikelsr rapportera", "rapportera-avvikelser"),
    ],
    "questions": [
        ("när har ung-kraft öppet", "ung-kraft"),
        ("när har ungkraft öppet", "ung-kraft"),
        ("vem gör läkemedelsgenomgången", "lakemedelsgenomgangar"),
        ("hur ansöker man om bistånd", "bistand-till-aldre"),
        ("var anmäler jag tappade nycklar", "larm-och-nycklar"),
        ("vart ringer jag på kvällen om hemsjukvården", "kvallar-och-helger"),
        ("hur når jag hemsjukvårdsteamet på helgen", "kvallar-och-helger"),
        ("vilken hjälp finns för anhöriga", "motesplats-for-anhoriga"),
        ("hur överklagar man ett beslut enligt SoL", "socialtjanstlagen"),
        ("vad gör man för att förebygga fall", "forebygga-fall"),
    ],
    "without å, ä and ö": [
        ("lakemedelsgenomgang", "lakemedelsgenomgangar"),
        ("bistand till aldre", "bistand-till-aldre"),
        ("motesplats anhoriga", "motesplats-for-anhoriga"),
        ("hemgang planering", "planering-infor-hemgang"),
        ("kvallar och helger", "kvallar-och-helger"),
        ("socialtjanstlagen", "socialtjanstlagen"),
        ("forebygga fall", "forebygga-fall"),
    ],
}

# MRR@10 that each category must keep (demo content and the test corpus together). The top-3 and
# top-1 rules hold for every single query; these floors catch a category getting worse overall.
MRR_FLOORS = {
    "exact titles": 1.0,
    "inflected forms": 0.95,
    "compound parts": 0.95,
    "abbreviations and expansions": 0.95,
    "typos": 0.95,
    "questions": 0.9,
    "without å, ä and ö": 0.95,
}


def _searcher(tmp_path_factory, name: str, folder: Path):
    """A function ranking page slugs for a query over the content of `folder` (results kept:
    every case only reads)."""
    app = make_app(tmp_path_factory.mktemp(name) / "instance")
    with app.app_context():
        report = transfer.import_folder(folder, author="demo")
        assert not report.errors, report.errors

    @functools.cache
    def ranked(query: str) -> tuple[str, ...]:
        with app.app_context():
            return tuple(hit.slug for hit in index.search(query, kinds=("page",)).hits)

    return ranked


@pytest.fixture(scope="module")
def demo_search(tmp_path_factory):
    """The demo content, loaded once for this module: every case only reads it."""
    return _searcher(tmp_path_factory, "relevance", demo_folder())


@pytest.fixture(scope="module")
def corpus_search(tmp_path_factory):
    """The test corpus (tests/relevance_corpus), loaded once for this module."""
    return _searcher(tmp_path_factory, "corpus", CORPUS)


def _cases() -> list[tuple[str, str, str, str]]:
    """(corpus, category, query, slug) for every case."""
    out = [("demo", "exact titles", q, s) for q, s in EXACT_TITLES]
    out += [("corpus", "exact titles", q, s) for q, s in CORPUS_EXACT_TITLES]
    for corpus, categories in (("demo", TOP_THREE), ("corpus", CORPUS_TOP_THREE)):
        out += [(corpus, category, q, s) for category, cases in categories.items() for q, s in cases]
    return out


def _search(request, corpus: str):
    return request.getfixturevalue("demo_search" if corpus == "demo" else "corpus_search")


@pytest.mark.parametrize(("corpus", "query", "slug"),
                         [pytest.param(c, q, s, id=f"{c}: {q}") for c, cat, q, s in _cases() if cat == "exact titles"])
def test_an_exact_title_comes_first(request, corpus, query, slug):
    """Does typing a page's whole title put that page first?"""
    ranked = _search(request, corpus)(query)
    assert ranked[:1] == (slug,), ranked[:3]


@pytest.mark.parametrize(
    ("corpus", "query", "slug"),
    [pytest.param(c, q, s, id=f"{c}: {cat}: {q}") for c, cat, q, s in _cases() if cat != "exact titles"],
)
def test_the_wanted_page_is_in_the_top_three(request, corpus, query, slug):
    """Does the page staff are looking for rank among the first three hits?"""
    top = _search(request, corpus)(query)[:3]
    assert slug in top, top


def test_there_are_at_least_150_cases_in_every_category_together():
    """Is the relevance suite big enough to mean something (150+ queries, 10+ in every category)?"""
    cases = _cases()
    assert len(cases) >= 150
    assert all(sum(cat == c for _, cat, _, _ in cases) >= 10 for c in MRR_FLOORS)


def test_every_category_keeps_its_mean_reciprocal_rank(request, demo_search, corpus_search):
    """Averaged over its queries, does each category rank the wanted page high (MRR@10 above its
    floor)? The figures are printed at the end of the test run."""
    reciprocal: dict[str, list[float]] = {c: [] for c in MRR_FLOORS}
    for corpus, category, query, slug in _cases():
        ranked = (demo_search if corpus == "demo" else corpus_search)(query)[:10]
        reciprocal[category].append(1 / (ranked.index(slug) + 1) if slug in ranked else 0.0)
    mrr = {c: sum(r) / len(r) for c, r in reciprocal.items()}
    request.config.stash[MRR_KEY] = {c: (mrr[c], len(reciprocal[c])) for c in mrr}
    assert {c: round(v, 3) for c, v in mrr.items() if v < MRR_FLOORS[c]} == {}


# The examples of issue #24 and questions whose content words point at one page: first place.
FIRST_PLACE = [
    ("demo", "minimaria", "mini-maria"),
    ("demo", "avvikelserapport", "avvikelser-i-samverkan"),
    ("demo", "utskrivningsklar", "in-och-utskrivningsprocessen"),
    ("demo", "när har minimaria öppet", "mini-maria"),
    ("demo", "när har mini-maria öppet", "mini-maria"),
    ("corpus", "hemsjukvård", "kvallar-och-helger"),
    ("corpus", "teamet", "kvallar-och-helger"),
    ("corpus", "SoL", "socialtjanstlagen"),
    ("corpus", "när har ung-kraft öppet", "ung-kraft"),
    ("corpus", "när har ungkraft öppet", "ung-kraft"),
    ("corpus", "vem gör läkemedelsgenomgången", "lakemedelsgenomgangar"),
    ("corpus", "var anmäler jag tappade nycklar", "larm-och-nycklar"),
    ("corpus", "hur når jag hemsjukvårdsteamet på helgen", "kvallar-och-helger"),
]


@pytest.mark.parametrize(("corpus", "query", "slug"), [pytest.param(*c, id=f"{c[0]}: {c[1]}") for c in FIRST_PLACE])
def test_the_page_a_question_or_compound_points_at_comes_first(request, corpus, query, slug):
    """Do question words and words written together leave the page the content words point at first?"""
    ranked = _search(request, corpus)(query)
    assert ranked[:1] == (slug,), ranked[:3]


def test_a_routine_about_a_compound_ranks_above_a_list_that_names_it(demo_search, corpus_search):
    """Does "utskrivningsklar" put the routine about utskrivning above the list of terms, and
    "hemgångsplanering" the page about planning a homecoming above the word list?"""
    ranked = demo_search("utskrivningsklar")
    assert ranked.index("in-och-utskrivningsprocessen") < ranked.index("forkortningar-och-begrepp")
    ranked = corpus_search("hemgångsplanering")
    assert ranked.index("planering-infor-hemgang") < ranked.index("ord-som-anvands")


def test_a_title_abbreviation_finds_pages_that_only_write_the_name(corpus_search):
    """With no glossary entry for SoL, does "SoL" find the page that only says "socialtjänstlagen",
    and "socialtjänstlagen" the law's own page?"""
    assert "bistand-till-aldre" in corpus_search("SoL")
    assert corpus_search("socialtjänstlagen")[0] == "socialtjanstlagen"


def test_an_abbreviation_finds_the_same_pages_as_the_name(demo_search, corpus_search):
    """Does "SoL" find every page that writes "socialtjänstlagen", in the demo (a glossary term) and
    in the test corpus (only a page title)?"""
    for search in (demo_search, corpus_search):
        assert search("socialtjänstlagen")
        assert set(search("SoL")) >= set(search("socialtjänstlagen"))


def test_a_compound_part_alone_does_not_match_everything(corpus_search):
    """Does "vård" (a part of many compounds) find only pages that say it, not every "hemsjukvård"?"""
    assert "kvallar-och-helger" not in corpus_search("vård")


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


def test_linking_letters_are_dropped_between_compound_parts(tmp_path):
    """Do "kvinna" and "jour" find a page that only writes "kvinnojouren" (kvinna + o), and
    "samverkan" and "avtal" one that only writes "samverkansavtalet" (samverkan + s)?"""
    from factories import make_page

    app = make_app(tmp_path / "instance")
    with app.app_context():
        make_page("Skyddat boende", "Kvinnojouren tar emot dygnet runt.\n", slug="skyddat-boende")
        make_page("Avtal med regionen", "Samverkansavtalet gäller från januari.\n", slug="avtal-med-regionen")
        make_page("Annat", "Här står inget om det.\n", slug="annat")
        assert [h.slug for h in index.search("kvinna").hits] == ["skyddat-boende"]
        assert [h.slug for h in index.search("jour").hits] == ["skyddat-boende"]
        assert [h.slug for h in index.search("samverkan").hits] == ["avtal-med-regionen"]
        assert [h.slug for h in index.search("avtal").hits][:1] == ["avtal-med-regionen"]
