"""Which documents match (set operations on postings) and in which order (tiers, then BM25F)."""
from __future__ import annotations

from dataclasses import dataclass

from whoosh.query import And, NullQuery, Or, Query, Term

from kb.index.query import STRONG_FIELDS, Built, PhraseFilter, restrict
from kb.index.scoring import Scorer
from kb.index.segments import SizedCache

# Score factor of documents ranked below pages (activities, plans): a page matching as well wins.
DEMOTED_WEIGHT = 0.5

# A ranking tier larger than this is shortlisted by its title/tag/summary scores first.
MAX_SCORED = 2000


class MatchSets:
    """Sets of matching document numbers, computed with set operations on posting sets.

    Whoosh's own `docs_for_query` walks its matcher tree document by document in Python;
    for a common word in 10,000 pages that costs more than the search. Here each term's
    documents come from the scorer's cached postings (deleted docs already left out), and
    unions and intersections run in C.
    """

    MAX_CACHED_IDS = 300_000  # bounds memory (~10 MiB); the cache lives per index generation

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.cache = SizedCache(self.MAX_CACHED_IDS)

    def term(self, fieldname: str, text: str) -> frozenset[int]:
        """Live documents containing one term."""
        return self.cache.get((fieldname, text), lambda: frozenset(self.scorer.term(fieldname, text)))

    def of(self, q: Query) -> frozenset[int]:
        """Documents matching a query built from Term, And, Or and PhraseFilter (boosts ignored)."""
        if isinstance(q, Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, PhraseFilter):
            return self.scorer.phrase_docs(q)
        if isinstance(q, And):
            sets = sorted((self.of(sub) for sub in q.subqueries), key=len)
            return sets[0].intersection(*sets[1:]) if sets else frozenset()
        if isinstance(q, Or):
            return frozenset().union(*(self.of(sub) for sub in q.subqueries))
        return frozenset()  # NullQuery (the planner builds nothing else)


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

    matched: frozenset[int]
    tiers: list[frozenset[int]]

    @classmethod
    def of(cls, built: Built, sets: MatchSets, visible: frozenset[int] | set[int]) -> Tiers:
        """Match sets for a planned pass, limited to `visible` documents."""
        if not built.units:
            return cls(frozenset(), [])
        exact = sets.of(built.exact)
        unit_sets = [sets.of(u) for u in built.units]
        everything = unit_sets[0].intersection(*unit_sets[1:]) | exact
        strong = frozenset().union(exact, *(sets.of(restrict(u, STRONG_FIELDS)) for u in built.units))
        first = everything & strong & visible
        second = (everything & visible) - first
        if built.require_all:
            return cls(first | second, [first, second])
        # Broad pass: a page about *some* of the words competes on score with pages about all
        # of them (the all-units bonus is in the score); body-only matches come after.
        anything = frozenset().union(*unit_sets) & visible
        about = first | (strong & anything)
        body_all = second - about
        rest = anything - about - body_all
        return cls(anything | first | second, [about, body_all, rest])

    def rank(self, scorer: Scorer, scoring: Query, allowed: frozenset[int],
             limit: int, demoted: frozenset[int] = frozenset()) -> list[tuple[int, float]]:
        """The best `limit` documents of `allowed`, tier by tier, each tier by score
        (the `demoted` ones' scores weighted down by DEMOTED_WEIGHT)."""
        out: list[tuple[int, float]] = []
        strong = restrict(scoring, STRONG_FIELDS)
        for tier in self.tiers:
            need = limit - len(out)
            if need <= 0:
                break
            docs = tier & allowed
            if len(docs) > MAX_SCORED and strong is not NullQuery:
                # A huge tier (a very common word): shortlist by the short fields, which are
                # cheap to score, and give the full score only to the shortlist.
                docs = frozenset(d for d, _ in scorer.top(strong, docs, max(need, MAX_SCORED)))
            if docs:
                out += scorer.top(scoring, docs, need, demoted=demoted, weight=DEMOTED_WEIGHT)
        return out
