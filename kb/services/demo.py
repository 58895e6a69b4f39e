"""The demo content: the packaged folder, imported, plus governance examples dated from today.

Routines in the demo folder are approved by the demo approver when they are loaded. After the import,
`seed_governance` adds what shows the approval workflow, relative to the day the demo is loaded so it
stays true: a routine approved 26 months ago (so its validity ran out two months ago), a draft waiting
for approval, and an open error report. `create_demo_accounts` makes the demo's accounts and
`load_demo_notifications` gives the demo administrator something on Min sida (both used by `kb demo`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select

from kb import dates, typed
from kb.constants import Role, WatchKind
from kb.extensions import db
from kb.models import Change
from kb.services import changes, governance, notifications, pages, reminders, transfer, users

# The demo accounts (created with printed passwords by `kb demo`, see kb.cli.instance).
ADMIN = "admin"
APPROVER = "fastställare"
DEMO_WATCHER = ADMIN
# Structures the demo administrator watches, and whether as if since before the content was loaded
# (so that loading it shows up as notifications); the other brings reminders and activities.
DEMO_WATCHES = (("samordningsgruppen", False), ("nosam-lerum", True))
GOVERNANCE_DIR = "governance"
OVERDUE_MONTHS = 26
DRAFT_PAGE = "in-och-utskrivningsprocessen"
FLAGGED_PAGE = "evi-en-vag-in"
_OLD_ROW = "| Processtatistik | Varje månad | NOSAM med delregional samordnare |"
_NEW_ROW = "| Processtatistik | Varje månad | Temagruppen för utskrivningsprocessen |"
_TIP_AFTER = "- Meddela tidigt om något hindrar hemgången."
_NEW_TIP = "- Gå igenom checklistan för hemgång i SAMSA innan patienten skrivs ut."


def demo_folder() -> Path:
    """Where the packaged demo content lives."""
    return Path(str(resources.files("kb") / "demo"))


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


@dataclass(frozen=True)
class DemoAccount:
    """A demo account just created, with its generated password (shown to the user once)."""

    username: str
    password: str
    role: Role


def create_demo_accounts() -> list[DemoAccount]:
    """With no accounts yet, create `admin` and the demo approver with generated passwords; else none."""
    if users.all_users():
        return []
    created = []
    for username, role, display_name in ((ADMIN, Role.ADMIN, "Demoadministratör"),
                                         (APPROVER, Role.APPROVER, "Demofastställare")):
        password = users.generate_password()
        users.create(username, password, role, display_name=display_name)
        created.append(DemoAccount(username, password, role))
    return created


def load_demo_notifications() -> None:
    """Demo: `admin` watches two structures; the notifier's in-app step then runs once."""
    admin = users.get(DEMO_WATCHER)
    if admin is None:
        return
    first_change = db.session.scalar(select(func.min(Change.created_at)))
    for slug, all_along in DEMO_WATCHES:
        page = pages.get(slug)
        if page is not None and not page.deleted:
            row = notifications.watch(admin, WatchKind.STRUCTURE, page)
            if all_along and first_change is not None:
                row.created_at = first_change
    db.session.commit()
    notifications.notify_changes()
    reminders.create_reminders(dates.today())
