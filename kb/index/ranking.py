"""Which documents match (set operations on postings) and in which order (tiers, then BM25F)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh.query import NullQuery, Query

from kb.index.query import STRONG_FIELDS, Built, restrict
from kb.index.scoring import Docs, Scorer

# Score factor of documents ranked below pages (activities, plans): a page matching as well wins.
DEMOTED_WEIGHT = 0.5

# A ranking tier larger than this is shortlisted by its title/tag/summary scores first.
MAX_SCORED = 2000


class MatchSets:
    """Which documents match a query, as one boolean per document of the index (a mask).

    Whoosh's own `docs_for_query` walks its matcher tree document by document in Python;
    for a common word in 10,000 pages that costs more than the search. Here each term's
    documents come from the scorer's cached postings (deleted docs already left out), and
    unions and intersections are numpy operations on masks.
    """

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer

    def term(self, fieldname: str, text: str) -> Docs:
        """Live documents containing one term."""
        return self.scorer.mask(self.scorer.postings(fieldname, text)[0])

    def of(self, q: Query) -> Docs:
        """Documents matching a query built from Term, And, Or and PhraseFilter (boosts ignored)."""
        return self.scorer.matching(q)

    def none(self) -> Docs:
        """No document."""
        return self.scorer.mask(())

    def union(self, masks: Iterable[Docs]) -> Docs:
        """The documents in any of `masks` (none for no masks)."""
        out = self.none()
        for m in masks:
            out |= m
        return out


@dataclass
class Tiers:
    """The matching documents, split into ranking tiers with set operations.

    Only as many documents are scored as the page needs, tier by tier:
    1. all units match and at least one in a title, tag or summary field (the page is about it;
       in the broad pass: any unit in such a field),
    2. all units match, only in the body,
    3. the rest (broad pass only).
    Within a tier, BM25F scores decide (kb.index.scoring). This also makes "a title match beats
    a body match" a rule rather than a matter of weights.
    """

    matched: Docs
    tiers: list[Docs]

    @classmethod
    def of(cls, built: Built, sets: MatchSets, visible: Docs) -> Tiers:
        """Match sets for a planned pass, limited to `visible` documents."""
        if not built.units:
            return cls(sets.none(), [])
        exact = sets.of(built.exact)
        unit_sets = [sets.of(u) for u in built.units]
        everything = np.logical_and.reduce(unit_sets) | exact
        strong = np.logical_or.reduce([exact, *(sets.of(restrict(u, STRONG_FIELDS)) for u in built.units)])
        first = everything & strong & visible
        second = everything & visible & ~first
        if built.require_all:
            return cls(first | second, [first, second])
        # Broad pass: a page about *some* of the words competes on score with pages about all
        # of them (the all-units bonus is in the score); body-only matches come after.
        anything = np.logical_or.reduce(unit_sets) & visible
        about = first | (strong & anything)
        body_all = second & ~about
        rest = anything & ~about & ~body_all
        return cls(anything | first | second, [about, body_all, rest])

    @property
    def count(self) -> int:
        """How many documents match."""
        return int(np.count_nonzero(self.matched))

    def rank(self, scorer: Scorer, scoring: Query, allowed: Docs,
             limit: int, demoted: Docs | None = None) -> list[tuple[int, float]]:
        """The best `limit` documents of `allowed`, tier by tier, each tier by score
        (the `demoted` ones' scores weighted down by DEMOTED_WEIGHT)."""
        out: list[tuple[int, float]] = []
        strong = restrict(scoring, STRONG_FIELDS)
        for tier in self.tiers:
            need = limit - len(out)
            if need <= 0:
                break
            docs = tier & allowed
            if np.count_nonzero(docs) > MAX_SCORED and strong is not NullQuery:
                # A huge tier (a very common word): shortlist by the short fields, which are
                # cheap to score, and give the full score only to the shortlist.
                docs = scorer.mask([d for d, _ in scorer.top(strong, docs, max(need, MAX_SCORED))])
            if docs.any():
                out += scorer.top(scoring, docs, need, demoted=demoted, weight=DEMOTED_WEIGHT)
        return out
