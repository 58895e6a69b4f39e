"""The fast paths of search: scoring on document masks, typo distances in C, snippet regexes.

Each is checked against what it replaced or against Whoosh itself, so a speed-up cannot change
what a user finds or sees.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from factories import make_page

from kb import analysis
from kb.index import generations
from kb.index.query import Phrase, Word, plan
from kb.index.ranking import MatchSets
from kb.index.scoring import Scorer
from kb.index.snippets import Highlighter


def _bare_distance(a: str, b: str) -> int:
    """Levenshtein with transpositions of neighbours, the textbook way (no limit)."""
    d = [[max(i, j) if not i * j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


@pytest.mark.parametrize(("a", "b"), [("demens", "demnes"), ("samverkan", "samverkn"), ("sip", "sip"),
                                      ("hemtjanst", "hemtjänst"), ("vård", "ward"), ("ab", "ba"), ("", "abc")])
def test_edit_distance_counts_like_the_textbook_and_stops_at_the_limit(a, b):
    exact = _bare_distance(a, b)
    for limit in (1, 2):
        assert analysis.edit_distance(a, b, limit) == min(exact, limit + 1)


def test_near_in_finds_the_words_within_the_limit_with_their_positions():
    words = ["samverkan", "samverka", "samordning", "demens"]
    found = analysis.near_in("samverkn", words, 2)
    assert sorted((w, d, i) for w, d, i in found) == [("samverka", 1, 1), ("samverkan", 1, 0)]


def test_loose_alternatives_match_any_case_and_letters_with_or_without_dots():
    pattern = re.compile(analysis.loose_alternatives({"vard", "samverk", "sam", "samordn"}))
    text = "Vård, VÅRD och vard; Samverkan, SAMORDNING och sambo."
    assert pattern.findall(text) == ["Vård", "VÅRD", "vard", "Samverk", "SAMORDN", "sam"]
    assert analysis.loose_alternatives(set()) == ""


def test_snippet_marks_words_in_any_case_but_not_a_stem_inside_another_word():
    highlighter = Highlighter([Word.of("sip")], set())
    html, found = highlighter.snippet("Kalla till SIP. Gossip är inte en Sip-plan.")
    assert found
    assert html == "Kalla till <mark>SIP</mark>. Gossip är inte en <mark>Sip</mark>-plan."


def test_phrase_stands_only_where_its_first_word_begins():
    phrase = Phrase.of("samordnad individuell plan")
    assert phrase.spans("En SAMORDNAD individuell plan finns.") == [(3, 29)]
    assert phrase.spans("osamordnad individuell plan") == []
    # A false start inside a word does not hide the phrase right after it.
    vard = Phrase.of("vård vård")
    assert vard.spans("hemvård vård vård") == [(8, 17)]


def test_masks_and_scores_agree_with_whoosh(app):
    """The same documents as Whoosh's own matching, the same BM25F scores, and the best first,
    equal scores in index order."""
    with app.app_context():
        make_page("SIP för barn", "Kalla till SIP när barnet behöver insatser.\n", tags=["sip"])
        make_page("Samordnad individuell plan", "En plan som samordnas mellan region och kommun.\n")
        make_page("Äldre och SIP", "SIP för äldre med demens. SIP SIP.\n", summary="Om SIP.")
        make_page("Demens", "Demensteamet och SIP.\n")
        make_page("Demens igen", "Demensteamet och SIP.\n")
        searcher = generations.open_searcher(app)
        scorer = Scorer(searcher)
        sets = MatchSets(scorer)
        everything = frozenset(range(searcher.doc_count_all()))
        for text in ("SIP", "demens", "samordnad plan", "äldre sip"):
            built = plan(text).strict()
            for q in (built.scoring, *built.units):
                theirs = set(searcher.docs_for_query(q))
                assert set(np.flatnonzero(sets.of(q)).tolist()) == theirs, text
            scores = scorer.scores(built.scoring, everything)
            ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
            for limit in (1, 2, 3, 10):
                assert scorer.top(built.scoring, everything, limit) == ranked[:limit], (text, limit)
            if len(ranked) > 1:  # a demoted document's score is weighted down
                first = ranked[0][0]
                demoted = scorer.top(built.scoring, everything, 10, demoted=scorer.mask([first]), weight=0.5)
                assert dict(demoted)[first] == pytest.approx(ranked[0][1] * 0.5)
        # Equal scores (two identical pages) keep index order, whatever the limit.
        tied = scorer.top(plan("demensteamet").strict().scoring, everything, 1)
        both = scorer.top(plan("demensteamet").strict().scoring, everything, 2)
        assert both[0][1] == both[1][1] and both[0][0] < both[1][0]
        assert tied == both[:1]


def test_snippet_marks_a_word_its_compounds_and_their_expansions():
    """Expansions that hold the query word ("barnnosam") are found by the compound-part regex alone."""
    highlighter = Highlighter([Word.of("nosam")], {"barnnosam"})
    assert highlighter._starts is None  # every stem holds the part: one regex does it all
    html, found = highlighter.snippet("NOSAM möts. Barnnosam och nosamgruppen; inte nosa eller sam.")
    assert found
    assert html == ("<mark>NOSAM</mark> möts. <mark>Barnnosam</mark> och <mark>nosamgruppen</mark>; "
                    "inte nosa eller sam.")


@pytest.mark.parametrize("text", [
    "", "och i på", "Kalla till SIP:en när barnet behöver SIP. SIP SIP!",
    "Hemsjukvårdsteamet och hemsjukvården: äldre, ÄLDRE, aldre; läkemedelsgenomgång 2026 v.12",
    "Mini-Maria tar emot unga med missbruk – Mini-Maria Alingsås (BUP, SoL) café naïve",
])
def test_counted_fields_index_what_whoosh_would(text):
    """Each text field gives the same terms, frequencies, weights and encodings (so the same field
    lengths and scores) as Whoosh's token-by-token path."""
    from whoosh.fields import TEXT

    from kb.index.schema import SCHEMA, CountedText

    counted = [name for name, field in SCHEMA.items() if isinstance(field, CountedText)]
    assert {"title", "body", "parts", "folded", "spell"} <= set(counted)
    for name in counted:
        field = SCHEMA[name]
        ours = sorted(field.index(text))
        theirs = sorted(TEXT.index(field, text))
        assert ours == theirs, name
    assert sum(f for _, f, _, _ in SCHEMA["body"].index(text)) == sum(
        f for _, f, _, _ in TEXT.index(SCHEMA["body"], text))
