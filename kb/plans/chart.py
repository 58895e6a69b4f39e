"""Geometry of the overview's status chart: one stacked horizontal bar per plan.

The template draws the SVG from these numbers; the same counts fill the table next to it and the
chart's text alternative, so the picture never says anything the text does not.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kb.constants import ActivityStatus
from kb.services.plans import PlanCounts

WIDTH = 360          # viewBox width; the chart scales to its box, so keep it near a phone's width
BAR_WIDTH = 215      # the longest bar; the rest of the row holds the total
LABEL_HEIGHT = 22    # the plan's title above its bar
BAR_HEIGHT = 26
ROW_GAP = 16
TITLE_MAX = 42
MIN_LABELLED = 20    # a segment narrower than this shows no number inside (the table has it)
# Left to right: done, in progress, not started.
ORDER = (ActivityStatus.DONE, ActivityStatus.IN_PROGRESS, ActivityStatus.NOT_STARTED)


@dataclass
class Segment:
    """One status's part of a bar."""

    status: ActivityStatus
    count: int
    x: float
    width: float

    @property
    def labelled(self) -> bool:
        """Whether the number fits inside the segment."""
        return self.width >= MIN_LABELLED

    @property
    def middle(self) -> float:
        """Where the number is centred."""
        return self.x + self.width / 2


@dataclass
class Bar:
    """One plan's row: its title, where it sits and its segments."""

    counts: PlanCounts
    label: str
    y: float
    segments: list[Segment]

    @property
    def label_y(self) -> float:
        """Baseline of the title."""
        return self.y + LABEL_HEIGHT - 6

    @property
    def bar_y(self) -> float:
        """Top of the bar (below the title)."""
        return self.y + LABEL_HEIGHT

    @property
    def text_y(self) -> float:
        """Baseline of the numbers inside the bar."""
        return self.bar_y + BAR_HEIGHT / 2 + 5

    @property
    def end(self) -> float:
        """Where the bar ends (the total is written after it)."""
        return sum(s.width for s in self.segments)


@dataclass
class Chart:
    """All bars and the size of the drawing."""

    bars: list[Bar]
    height: float
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT


def shorten(title: str, limit: int = TITLE_MAX) -> str:
    """A title cut to fit the chart (the table and the description have it in full)."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def status_chart(rows: Iterable[PlanCounts]) -> Chart:
    """Bars scaled to the plan with the most activities, so lengths compare across plans."""
    rows = list(rows)
    longest = max((r.total for r in rows), default=0) or 1
    bars: list[Bar] = []
    y = 0.0
    for row in rows:
        x = 0.0
        segments = []
        for status in ORDER:
            n = row.by_status.get(status.value, 0)
            if n:
                width = n / longest * BAR_WIDTH
                segments.append(Segment(status, n, x, width))
                x += width
        bars.append(Bar(row, shorten(row.plan.title), y, segments))
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    return Chart(bars, max(y - ROW_GAP, 1))


def describe(rows: Iterable[PlanCounts]) -> str:
    """The chart in words: per plan, how many activities have each status and how many are late."""
    parts = []
    for row in rows:
        if not row.total:
            parts.append(f"{row.plan.title}: inga aktiviteter.")
            continue
        counts = ", ".join(f"{row.by_status.get(s.value, 0)} {s.label.lower()}" for s in ORDER)
        late = ""
        if row.overdue:
            late = f", varav {row.overdue} {'försenad' if row.overdue == 1 else 'försenade'}"
        noun = "aktivitet" if row.total == 1 else "aktiviteter"
        parts.append(f"{row.plan.title}: {row.total} {noun} – {counts}{late}.")
    return " ".join(parts)
