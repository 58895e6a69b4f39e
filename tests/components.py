"""What to do when a component a group of tests needs (Chromium, slapd, an OpenID Connect provider) is
missing: skip with a loud line in the summary locally, fail with CI=true, where nothing may be skipped."""
from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    """Whether this run is CI (CI=true), where a missing component is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() == "true"


class Needs:
    """The components one group of tests needs ("webbläsartesterna", "LDAP-testerna" …)."""

    def __init__(self, tests: str) -> None:
        self.tests = tests
        self.skipped: list[str] = []

    def note(self, reason: str) -> None:
        """Remember why these tests were skipped, for the summary."""
        if reason not in self.skipped:
            self.skipped.append(reason)

    def require(self, ok: object, reason: str) -> None:
        """Skip (locally) or fail (in CI) unless `ok`."""
        if ok:
            return
        if in_ci():
            pytest.fail(f"{reason} (CI=true: {self.tests} får inte hoppas över)", pytrace=False)
        self.note(reason)
        pytest.skip(reason)

    def report(self, terminalreporter) -> None:
        """Say loudly in the summary when these tests did not run."""
        for reason in self.skipped:
            terminalreporter.write_line(f"{self.tests.upper()} HOPPADES ÖVER: {reason}", yellow=True, bold=True)
