"""The search relevance figures (MRR@10 per category) printed at the end of a test run."""
from __future__ import annotations

import pytest

# Set by tests/test_search_relevance.py: {category: (MRR@10, number of queries)}.
MRR_KEY = pytest.StashKey[dict[str, tuple[float, int]]]()


def write_summary(terminalreporter: object, config: pytest.Config) -> None:
    """Print each category's MRR@10, if the relevance tests ran."""
    figures = config.stash.get(MRR_KEY, None)
    if not figures:
        return
    terminalreporter.section("Sökrelevans: MRR@10 per kategori")
    for category, (mrr, count) in figures.items():
        terminalreporter.write_line(f"{category:<32} {mrr:.3f}  ({count} sökningar)")
