"""List pages cost the same number of SQL statements with 3 rows as with 30 (no N+1 queries).

Two apps are seeded once for the module, one with few and one with many pages, activities,
plans, attachments, glossary terms and users; the tests only read from them.
"""
from __future__ import annotations

import attachment_files as files
import pytest
from factories import PASSWORD, login, make_app
from querycount import count_queries

from kb.constants import Role
from kb.services import attachments, changes, glossary, pages, plans, users

FEW, MANY = 3, 30

PATHS = [
    "/",  # start page: recently changed pages and pages by type
    "/sidor",  # all pages by type, deleted pages
    "/sidor?typ=routine",  # every routine, a page at a time
    "/sida/samla",  # a structure with many children, owned routines, plans, activities and attachments
    "/sida/rutin-1",  # a routine linked from many pages and activities
    "/sida/samla/bilagor",  # the attachment list
    "/struktur",  # the organisation chart
    "/omrade/samla",  # an area page: its chart, plans, orientation path, changes and routines to review
    "/att-revidera",  # routines to review
    "/andringar",  # recent changes
    "/sok?q=rutin",  # search results
    "/planer",  # plans overview with counts
    "/planer/huvudplan",  # a plan with many activities
    "/planer/huvudplan/utskrift",  # the same plan for printing
    "/ordlista",  # the glossary
    "/ordlista/1/historik",  # a term's history
    "/sida/samla/historik",  # a page's history
    "/sida/samla/jamfor?fran=1",  # comparing the first and the newest version
    "/sida/samla/bilagor/Bild%201.png/versioner",  # an attachment's versions
    "/planer/huvudplan/historik",  # a plan's history
    "/aktiviteter/1",  # an activity with its status history
    "/samverkansplaner/samverkansplan-2023-2026",  # a collaboration plan and the plans that follow it
    "/samverkansplaner/samverkansplan-2023-2026/historik",  # its history
    "/api/activities",  # every activity as JSON
    "/api/activities?page=rutin-1",
    "/api/plans",  # every plan with its counts
    "/api/search?q=rutin",
    "/admin/anvandare",  # user list
    "/admin/logg",  # audit log
    "/granskning",  # drafts to approve, routines to review, reader flags (editors and up)
    "/min-sida",  # what waits for the logged-in user
    "/statistik",  # searches, most read pages and routines, pages nobody opened (editors and up)
]
# Paths for logged-in users only.
LOGGED_IN_ONLY = ("/admin/", "/granskning", "/min-sida", "/statistik")


def seed(n: int) -> None:
    """n structures under SAMLA, n routines, articles, orientation pages, plans, activities, attachments,
    glossary terms and users (call in an app context)."""
    new = pages.create_page
    users.create("godkannare", PASSWORD, Role.APPROVER)  # named as approver by every other routine
    new(pages.PageData("SAMLA", "structure", "Samverkan i Lerum och Alingsås.\n", slug="samla"), commit=False)
    for i in range(1, n + 1):
        new(pages.PageData(f"Grupp {i}", "structure", "[[samla]]\n", slug=f"grupp-{i}",
                           fields={"parent": "samla"}), commit=False)
        routine = new(pages.PageData(f"Rutin {i}", "routine", f"Rutin för [[grupp-{i}]] och [[samla]].\n",
                                     slug=f"rutin-{i}", tags=["rutin"],
                                     fields={"owner": "samla", "valid_until": "2020-01-01",
                                             **({"approver": "godkannare"} if i % 2 else {})}),
                      commit=False, approval=pages.Approval(by="anna"))
        # Every routine has a draft waiting for approval (the review list and Min sida show them).
        pages.update_page(routine, pages.PageData(f"Rutin {i}", "routine", "Nytt utkast.\n", slug=f"rutin-{i}",
                                                  tags=["rutin"], fields={"owner": "samla"}),
                          base_revision=routine.revision_number, author="anna", commit=False)
        new(pages.PageData(f"Artikel {i}", "article", "Om [[rutin-1]] och [[saknas]].\n",
                           slug=f"artikel-{i}"), commit=False)
        new(pages.PageData(f"Introduktion {i}", "orientation", "Välkommen.\n", slug=f"intro-{i}",
                           fields={"position": str(i)}), commit=False)
        glossary.create(glossary.TermData(f"TERM{i}", f"Förkortning nummer {i}"), commit=False)
    pages.delete_page(pages.get("artikel-1"))
    plans.save_collaboration_plan(plans.CollaborationData("Samverkansplan 2023–2026", "2023–2026", ["Mål"]),
                                  commit=False)
    main = plans.create_plan(plans.PlanData("Huvudplan", "samla", "2024", slug="huvudplan",
                                            collaboration_plan="samverkansplan-2023-2026"), commit=False)
    for i in range(1, n + 1):
        plans.create_activity(main, plans.ActivityData(
            goal=f"Mål {i % 3}", what=f"Aktivitet {i}", responsible=f"grupp-{i}",
            pages=["rutin-1", f"rutin-{i}"], target_groups=["Äldre"], deadline="2020", status="Pågår"),
            commit=False)
        other = plans.create_plan(plans.PlanData(f"Plan för grupp {i}", f"grupp-{i}", "2025",
                                                 collaboration_plan="samverkansplan-2023-2026"), commit=False)
        plans.create_activity(other, plans.ActivityData(goal="Mål", what=f"Gruppens aktivitet {i}",
                                                        responsible="samla"), commit=False)
    samla = pages.get("samla")
    for i in range(1, n + 1):
        attachments.upload(samla, f"Bild {i}.png", files.png(4 + i, 3), author="anna", commit=False)
    changes.commit()
    # Long histories: the page, the first activity, the first glossary term and the first attachment.
    first, term = plans.get_activity(1), glossary.get("TERM1")
    for i in range(1, n + 1):
        pages.update_page(samla, pages.PageData("SAMLA", "structure", f"Version {i}.\n", slug="samla"),
                          base_revision=samla.revision_number, author=f"user{i}", commit=False)
        plans.set_status(first, ("Klart", "Pågår")[i % 2], comment=f"Uppföljning {i}", commit=False)
        glossary.update(term, glossary.TermData("TERM1", f"Förkortning version {i}"),
                        base_revision=term.revision_number, commit=False)
        attachments.upload(samla, "Bild 1.png", files.png(4, 3 + i),
                           replace=attachments.get(samla, "Bild 1.png"), commit=False)
    changes.commit()
    for i in range(1, n + 1):
        users.create(f"user{i}", "Rätt-häftig-fras-2026", Role.READER)


@pytest.fixture(scope="module")
def apps(tmp_path_factory) -> dict[int, object]:
    """A read-only app per size, seeded once."""
    out = {}
    for n in (FEW, MANY):
        # Every search checks the change log (one query), not only a search 2 s after the last check.
        app = make_app(tmp_path_factory.mktemp(f"rows{n}") / "instance", INDEX_CATCH_UP_INTERVAL=0)
        with app.app_context():
            seed(n)
        out[n] = app
    return out


@pytest.fixture(scope="module")
def admins(apps) -> dict[int, object]:
    """An administrator's client per app (administrators see every list, deleted rows included)."""
    clients = {}
    for n, app in apps.items():
        clients[n] = login(app, "admin", "administratör")
        clients[n].get("/")  # the welcome message
    return clients


@pytest.fixture(scope="module")
def approvers(apps) -> dict[int, object]:
    """A fastställare's client per app (whose lists depend on which routines name them)."""
    clients = {}
    for n, app in apps.items():
        clients[n] = login(app, "godkannare", "fastställare")
        clients[n].get("/")  # the welcome message
    return clients


@pytest.mark.parametrize("path", PATHS)
def test_a_list_costs_the_same_with_many_rows(apps, admins, approvers, path):
    """Does the page run as many statements with 30 rows as with 3 (for an administrator, a
    fastställare and a visitor)?"""
    viewers = {"administratör": admins, "fastställare": approvers, "besökare": None}
    if path.startswith("/admin/"):
        viewers = {"administratör": admins}
    elif path.startswith(LOGGED_IN_ONLY):
        viewers = {"administratör": admins, "fastställare": approvers}
    for who, clients in viewers.items():
        counts = {n: count_queries(app, clients[n] if clients else app.test_client(), path)
                  for n, app in apps.items()}
        assert counts[MANY] == counts[FEW], (who, counts)


def test_the_seeded_lists_are_long(apps, admins):
    """Do the big app's lists really show the many rows (so the comparison means something)?"""
    app = apps[MANY]
    client = admins[MANY]
    assert client.get("/sida/samla").get_data(as_text=True).count("Grupp ") >= MANY
    assert len(client.get("/api/activities").get_json()["activities"]) == 2 * MANY
    assert client.get("/planer/huvudplan").get_data(as_text=True).count("Aktivitet ") >= MANY
    assert client.get("/sida/samla/bilagor").get_data(as_text=True).count(".png") >= MANY
    assert client.get("/admin/anvandare").get_data(as_text=True).count("user") >= MANY
    assert client.get("/ordlista").get_data(as_text=True).count("TERM") >= MANY
    assert client.get("/sida/samla/historik").get_data(as_text=True).count("user") >= MANY
    assert client.get("/aktiviteter/1").get_data(as_text=True).count("Uppföljning ") >= MANY
    assert len(client.get("/api/search?q=rutin").get_json()["results"]) >= 10
    with app.app_context():
        assert pages.count_pages() == 1 + 4 * MANY
