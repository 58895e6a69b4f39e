"""The demo content: the packaged folder, imported, plus governance examples dated from today.

Routines in the demo folder are approved by the demo approver when they are loaded. After the import,
`seed_governance` adds what shows the approval workflow, relative to the day the demo is loaded so it
stays true: a routine approved 26 months ago (so its validity ran out two months ago), a draft waiting
for approval, and an open error report.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from kb import dates, typed
from kb.extensions import db
from kb.services import changes, governance, pages, transfer

# The demo approver account (created with a printed password by `kb demo`, see kb.cli).
APPROVER = "fastställare"
GOVERNANCE_DIR = "governance"
OVERDUE_MONTHS = 26
DRAFT_PAGE = "in-och-utskrivningsprocessen"
FLAGGED_PAGE = "evi-en-vag-in"
_OLD_ROW = "| Processtatistik | Varje månad | NOSAM med delregional samordnare |"
_NEW_ROW = "| Processtatistik | Varje månad | Temagruppen för utskrivningsprocessen |"
_TIP_AFTER = "- Meddela tidigt om något hindrar hemgången."
_NEW_TIP = "- Gå igenom checklistan för hemgång i SAMSA innan patienten skrivs ut."


def load(folder: Path, *, author: str = "demo", today: date | None = None,
         progress: Callable[[str], None] | None = None) -> transfer.ImportReport:
    """Import the demo folder, then add the governance examples (see the module docstring)."""
    report = transfer.import_folder(folder, author=author, progress=progress)
    if report.refused:
        return report
    today = today or dates.today()
    report.created += seed_governance(Path(folder) / GOVERNANCE_DIR, today, author=author)
    return report


def seed_governance(folder: Path, today: date, *, author: str = "demo") -> list[str]:
    """Add the overdue routine(s) in `folder`, a pending draft and an error report; return new slugs."""
    created: list[str] = []
    approved_on = typed.add_months(today, -OVERDUE_MONTHS)
    for path in sorted(folder.glob("*.md")):
        data, keys = transfer.read_page_file(path)
        if pages.get(str(data.slug)) is not None:
            continue
        keys.approved_by, keys.approved_on = keys.approved_by or APPROVER, approved_on
        keys.comment = keys.comment or "Rutinen infördes i samverkan."
        pages.create_page(pages.clean(data), author=author, comment="Importerad", check=False,
                          approval=keys.approval(author), commit=False)
        created.append(str(data.slug))
    draft_page = pages.get(DRAFT_PAGE)
    if draft_page is not None and pages.pending_draft(draft_page) is None:
        data = pages.shown_data(draft_page)
        data.fields = dict(draft_page.current.fields or {})
        source = data.source.replace(_OLD_ROW, _NEW_ROW)
        if _TIP_AFTER in source:
            source = source.replace(_TIP_AFTER, f"{_TIP_AFTER}\n{_NEW_TIP}")
        data.source = source if source != data.source else source.rstrip("\n") + f"\n\n{_NEW_TIP}\n"
        pages.update_page(draft_page, data, base_revision=draft_page.revision_number, author=author,
                          comment="Temagruppen följer nu statistiken; nytt tips om checklistan", check=False,
                          commit=False)
    flagged = pages.get(FLAGGED_PAGE)
    if flagged is not None and flagged.is_published and not governance.flags_for(flagged):
        governance.flag_page(flagged, actor=author, commit=False,
                             note="Remissvägen har ändrats sedan i höstas, så stycket om hur man skickar en "
                                  "remiss stämmer inte längre.")
    db.session.flush()
    changes.commit()
    return created
