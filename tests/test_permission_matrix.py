"""The permission matrix: every route of the app × every kind of user, GET and POST.

The objects live in the area NOSAM GBG Sydväst ("this area"); SAMLA is "another area". Users hold
site role läsare plus a role in one area (except the reader and the site administrator), so each
right comes from the area alone. The routes come from app.url_map: a new route without an entry in
EXPECTED fails `test_every_route_has_an_expected_outcome`, naming the endpoint.

Outcomes: "ok" (the request got past the permission check: 200, a redirect elsewhere, a
validation error 400/422, a conflict 409, a gone 410), "login" (sent to the login page or 401),
"403" and "404". POSTs carry a CSRF token and, mostly, no other data: an allowed POST fails
validation or changes something, and the database file is put back before every POST.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories import DATABASES, PASSWORD, edit_page, make_app, make_page, make_user, wait_for_background_threads

from kb.extensions import db

THIS, OTHER = "gbg-sydvast", "samla"

# The kinds of user, in the order of the expectation rows below.
USERS = ("anonym", "läsare", "redaktör här", "redaktör annat", "fastställare här", "fastställare annat",
         "områdesadmin här", "administratör")
ACCOUNTS = {  # username, site role, roles in areas
    "läsare": ("lasare", "läsare", {}),
    "redaktör här": ("red-har", "läsare", {THIS: "redaktör"}),
    "redaktör annat": ("red-annat", "läsare", {OTHER: "redaktör"}),
    "fastställare här": ("fast-har", "läsare", {THIS: "fastställare"}),
    "fastställare annat": ("fast-annat", "läsare", {OTHER: "fastställare"}),
    "områdesadmin här": ("omr-admin", "läsare", {THIS: "områdesadministratör"}),
    "administratör": ("admin", "administratör", {}),
}


def row(*outcomes: str) -> dict[str, str]:
    """An expectation per kind of user, in the order of USERS."""
    assert len(outcomes) == len(USERS)
    return dict(zip(USERS, outcomes, strict=True))


PUBLIC = row("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok")
LOGGED_IN = row("login", "ok", "ok", "ok", "ok", "ok", "ok", "ok")
# Editing somewhere (the glossary is shared; forms for new content offer the user's own areas).
EDIT_ANY = row("login", "403", "ok", "ok", "ok", "ok", "ok", "ok")
# Editing this area's content: its editors, fastställare and area administrators, and administrators.
EDIT_HERE = row("login", "403", "ok", "403", "ok", "403", "ok", "ok")
APPROVE_HERE = row("login", "403", "403", "403", "ok", "403", "ok", "ok")
ADMIN_ONLY = row("login", "403", "403", "403", "403", "403", "403", "ok")
MANAGE_HERE = row("login", "403", "403", "403", "403", "403", "ok", "ok")
# "Granskad utan ändring": administrators, the named approver, editors watching the owner structure.
REVIEW = ADMIN_ONLY
# Logged-in requests about one's own things (a notification or watch id that is not theirs: 404).
OWN = {**LOGGED_IN, **{u: "ok|404" for u in USERS[1:]}}

# (endpoint, method) → expectations. Routes that do not concern areas are grouped first.
EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    **{(e, "GET"): PUBLIC for e in (
        "static", "info.favicon", "info.accessibility", "auth.login", "pages.start", "pages.chart", "pages.review",
        "pages.index", "pages.recent", "pages.suggest_slug", "search.results", "search.suggest", "api.activities",
        "api.get_page", "api.list_areas", "api.plan", "api.plans", "api.search", "glossary.index",
        "glossary.history", "plans.overview", "pages.view", "pages.pdf", "pages.docx", "pages.history",
        "pages.revision", "pages.compare", "pages.links_here", "attachments.index", "attachments.versions",
        "attachments.download", "attachments.download_version", "attachments.by_id", "plans.view", "plans.print_view",
        "plans.print_pdf", "plans.plan_history", "plans.export_csv", "plans.export_xlsx", "plans.activity",
        "plans.collaboration", "plans.collaboration_history", "areas.view", "info.privacy", "feeds.site",
        "feeds.area", "feeds.structure")},
    # Without an OpenID Connect provider configured (as here) both lead back to the login page.
    **{("oidc.start", "GET"): row(*["login"] * 8), ("oidc.callback", "GET"): row(*["login"] * 8)},
    ("auth.login", "POST"): PUBLIC,
    ("auth.logout", "POST"): PUBLIC,
    # "Glömt lösenordet?" (the matrix app has mail settings, so it is offered) and its link (an unknown
    # token: 410 for everyone).
    **{("auth.forgot_password", m): PUBLIC for m in ("GET", "POST")},
    **{("auth.reset_password", m): PUBLIC for m in ("GET", "POST")},
    ("me.unsubscribe", "GET"): {u: "ok|404" for u in USERS},
    ("me.unsubscribe", "POST"): {u: "ok|404" for u in USERS},
    **{(e, m): LOGGED_IN for e, m in (
        ("me.index", "GET"), ("me.watches", "GET"), ("me.watches", "POST"), ("me.email", "GET"),
        ("me.email", "POST"), ("me.end_sessions", "POST"), ("me.mark_all_read", "POST"),
        ("me.watch_page", "POST"), ("me.unwatch_page", "POST"), ("pages.mark_read", "POST"),
        ("governance.flag", "GET"), ("governance.flag", "POST"), ("me.change_password", "GET"),
        ("me.change_password", "POST"), ("auth.choose_password", "GET"), ("auth.choose_password", "POST"),
        ("reading.confirm", "POST"), ("reading.mine", "GET"))},
    ("me.mark_read", "POST"): OWN,
    # The images of a Word document waiting for its new page: only for the editor who uploaded it
    # (an unknown token here, so 404 for every editor).
    ("pages.word_image", "GET"): row("login", "403", "404", "404", "404", "404", "404", "404"),
    ("me.remove_watch", "POST"): OWN,
    **{(e, m): EDIT_ANY for e, m in (
        ("glossary.create", "GET"), ("glossary.create", "POST"), ("glossary.edit", "GET"), ("glossary.edit", "POST"),
        ("glossary.delete", "POST"), ("governance.overview", "GET"), ("pages.preview", "POST"),
        ("pages.create", "GET"), ("pages.create", "POST"), ("pages.create_from_word", "POST"),
        ("plans.create_plan", "GET"), ("plans.create_plan", "POST"),
        ("plans.create_collaboration", "GET"), ("plans.create_collaboration", "POST"), ("plans.import_plan", "GET"),
        ("plans.import_plan", "POST"), ("reading.user_report", "GET"), ("statistics.overview", "GET"))},
    **{(e, m): EDIT_HERE for e, m in (
        ("pages.edit", "GET"), ("pages.edit", "POST"), ("pages.delete", "GET"), ("pages.delete", "POST"),
        ("pages.revert", "POST"), ("attachments.upload", "POST"), ("attachments.new_version", "POST"),
        ("attachments.editor_list", "GET"), ("attachments.editor_upload", "POST"),
        ("attachments.delete", "POST"), ("attachments.restore", "POST"), ("governance.withdraw", "POST"),
        ("governance.resolve", "POST"), ("plans.edit_plan", "GET"), ("plans.edit_plan", "POST"),
        ("plans.delete_plan", "GET"), ("plans.delete_plan", "POST"), ("plans.import_activities", "GET"),
        ("plans.import_activities", "POST"), ("plans.create_activity", "GET"), ("plans.create_activity", "POST"),
        ("plans.edit_activity", "GET"), ("plans.edit_activity", "POST"), ("plans.change_status", "POST"),
        ("plans.delete_activity", "GET"), ("plans.delete_activity", "POST"), ("plans.restore_activity", "POST"),
        ("plans.edit_collaboration", "GET"), ("plans.edit_collaboration", "POST"), ("reading.page_report", "GET"),
        ("reading.page_report", "POST"), ("reading.page_report_file", "GET"), ("reading.area_report", "GET"))},
    ("governance.approve", "POST"): APPROVE_HERE,
    ("governance.send_back", "POST"): APPROVE_HERE,
    ("governance.review", "POST"): REVIEW,
    **{(e, m): ADMIN_ONLY for e, m in (
        ("pages.restore", "POST"), ("plans.restore_plan", "POST"), ("admin.user_list", "GET"),
        ("admin.user_list", "POST"), ("admin.set_role", "POST"), ("admin.toggle", "POST"), ("admin.email", "GET"),
        ("admin.email", "POST"), ("admin.audit_log", "GET"), ("admin.organisation_list", "GET"),
        ("admin.organisation_list", "POST"), ("admin.organisation_rename", "POST"),
        ("admin.organisation_retire", "POST"), ("admin.area_list", "POST"), ("admin.area_edit", "POST"),
        ("admin.break_glass", "POST"), ("admin.temporary_password", "GET"), ("admin.temporary_password", "POST"),
        ("admin.group_list", "GET"), ("admin.group_list", "POST"), ("admin.group_remove", "POST"),
        ("admin.set_organisation", "POST"))},
    ("admin.area_list", "GET"): MANAGE_HERE,  # the areas one manages (an area administrator: theirs)
    # Page templates: the list and a new one for those who manage some area; the template here is this area's.
    **{(e, m): MANAGE_HERE for e, m in (
        ("admin.template_list", "GET"), ("admin.template_new", "GET"), ("admin.template_new", "POST"),
        ("admin.template_edit", "GET"), ("admin.template_edit", "POST"), ("admin.template_retire", "POST"),
        ("admin.template_restore", "POST"))},
    **{(e, m): MANAGE_HERE for e, m in (
        ("admin.area_members", "GET"), ("admin.area_members", "POST"), ("admin.member_role", "POST"),
        ("admin.member_remove", "POST"))},
}
# Logging out and ending one's sessions would end the client's session: they get a client of their own.
OWN_CLIENT = {"auth.logout", "me.end_sessions"}


@dataclass
class World:
    """The app, one logged-in client per kind of user, the URL of each endpoint and the database snapshot."""

    app: object
    clients: dict
    urls: dict[str, str]
    database: Path
    snapshot: Path


def _build(app) -> dict[str, str]:
    """Areas, users and the objects of this area; the URL of every endpoint that needs values."""
    from flask import url_for

    from kb.services import areas, attachments, governance, groups, organisations, page_templates, plans
    from kb.services.glossary import writes as glossary

    areas.create(THIS, "NOSAM GBG Sydväst")
    this = areas.require(THIS)
    make_user("forfattare", "läsare", areas={THIS: "redaktör"})
    for username, role, grants in ACCOUNTS.values():
        make_user(username, role, areas=grants)
    make_page("TG Äldre GBG", type="structure", slug="tg-aldre-gbg", area_id=this.id)
    article = make_page("Artikel GBG", slug="artikel-gbg", area_id=this.id, author="forfattare")
    edit_page(article, "Ny text.\n", author="forfattare")
    routine = make_page("Rutin GBG", type="routine", slug="rutin-gbg", area_id=this.id, author="forfattare")
    edit_page(routine, "Ett utkast.\n", author="forfattare", approved=False)
    attachments.upload(article, "fil.txt", b"Text i en fil.\n", author="forfattare")
    attachment = attachments.get(article, "fil.txt")
    plan = plans.create_plan(plans.PlanData(title="Plan GBG", structure="tg-aldre-gbg", period="2026"),
                             author="forfattare")
    activity = plans.create_activity(plan, plans.ActivityData(goal="Mål", what="Göra något"), author="forfattare")
    collaboration = plans.save_collaboration_plan(plans.CollaborationData(title="Samverkansplan GBG", period="2026"),
                                                  area_id=this.id, author="forfattare")
    flag = governance.flag_page(routine, actor="lasare", note="Telefonnumret stämmer inte.")
    org = organisations.all_organisations()[0]
    mapping = groups.map_group("kb-redaktorer", "redaktör", area_key=THIS)
    term = glossary.create(glossary.TermData(term="TG", expansion="Temagrupp"), author="forfattare")
    template = page_templates.create(page_templates.TemplateData(name="Mötesanteckningar", area=THIS))
    assert {article.area_id, plan.area_id, collaboration.area_id} == {this.id}
    page, plan_slug, user = "artikel-gbg", plan.slug, "red-har"
    values = {
        "static": {"filename": "css/kb.css"}, "api.get_page": {"slug": page}, "api.plan": {"key": plan_slug},
        "areas.view": {"key": THIS}, "feeds.area": {"key": THIS}, "feeds.structure": {"slug": "tg-aldre-gbg"},
        "me.unsubscribe": {"token": "ogiltig"},
        "me.mark_read": {"notification_id": 999999},
        "me.remove_watch": {"watch_id": 999999}, "glossary.history": {"term_id": term.id},
        "glossary.edit": {"term_id": term.id}, "glossary.delete": {"term_id": term.id},
        "governance.resolve": {"flag_id": flag.id}, "pages.revision": {"slug": page, "number": 1},
        "pages.revert": {"slug": page, "number": 1}, "attachments.by_id": {"attachment_id": attachment.id},
        "attachments.download_version": {"slug": page, "name": "fil.txt", "number": 1},
        "admin.email": {"username": user}, "admin.set_role": {"username": user}, "admin.toggle": {"username": user},
        "admin.break_glass": {"username": user}, "admin.temporary_password": {"username": user},
        "auth.reset_password": {"token": "ogiltig"},
        "pages.word_image": {"token": "ogiltig-men-tillrackligt-lang", "name": "bild-1.png"},
        "admin.organisation_rename": {"key": org.key}, "admin.organisation_retire": {"key": org.key},
        "admin.member_role": {"key": THIS, "username": user}, "admin.member_remove": {"key": THIS, "username": user},
        "admin.group_remove": {"mapping_id": mapping.id},
        **{e: {"template_id": template.id} for e in ("admin.template_edit", "admin.template_retire",
                                                     "admin.template_restore")},
        "admin.set_organisation": {"username": user},
        "reading.user_report": {"username": user}, "reading.page_report_file": {"slug": page, "kind": "csv"},
    }
    urls = {}
    for rule in app.url_map.iter_rules():
        given = dict(values.get(rule.endpoint, {}))
        for name in rule.arguments - set(given):
            if name == "slug":  # a page, a plan or a collaboration plan
                given[name] = (collaboration.slug if "collaboration" in rule.endpoint else plan_slug
                               if rule.endpoint.startswith("plans.") else "rutin-gbg"
                               if rule.endpoint.startswith("governance.") else page)
            elif name == "name":
                given[name] = "fil.txt"
            elif name == "activity_id":
                given[name] = activity.id
            elif name == "key":
                given[name] = THIS
        try:
            urls[rule.endpoint] = url_for(rule.endpoint, **given)
        except Exception as exc:  # noqa: BLE001 - named in the test's failure instead
            urls[rule.endpoint] = f"!{exc}"
    return urls


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """One app for the module: the areas, users and objects, everyone logged in, then a snapshot."""
    if DATABASES:
        pytest.skip("the matrix puts the SQLite database file back before every POST")
    instance = tmp_path_factory.mktemp("matrix") / "instance"
    # Mail settings (to a port nobody listens on: no POST here sends mail) so "Glömt lösenordet?" is offered.
    app = make_app(instance, SMTP_HOST="127.0.0.1", SMTP_PORT=9, SMTP_FROM="kb@example.se",
                   BASE_URL="https://kb.example.se")
    with app.test_request_context():
        urls = _build(app)
    clients = {"anonym": app.test_client()}
    for kind, (username, _role, _grants) in ACCOUNTS.items():
        client = app.test_client()
        assert client.post("/logga-in", data={"username": username, "password": PASSWORD}).status_code == 302
        client.csrf_token()
        clients[kind] = client
    clients["anonym"].csrf_token()
    wait_for_background_threads()
    database = instance / "kb.sqlite3"
    snapshot = instance.parent / "snapshot.sqlite3"
    with app.app_context():
        db.engine.dispose()
    shutil.copy(database, snapshot)
    return World(app, clients, urls, database, snapshot)


def _restore(world: World) -> None:
    """Put the database back as it was before the first POST."""
    wait_for_background_threads()
    with world.app.app_context():
        db.engine.dispose()
    shutil.copy(world.snapshot, world.database)


def outcome(response) -> str:
    """What a user got: ok, login, 403 or 404 (the response is closed: files are streamed)."""
    response.close()
    if response.status_code == 401 or (response.status_code in (301, 302, 303)
                                       and "/logga-in" in response.headers.get("Location", "")):
        return "login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    return "ok"


def _routes(app) -> list[tuple[str, str]]:
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


def test_every_route_has_an_expected_outcome(world):
    """Does every route and method of the app have a row in the permission matrix?"""
    missing = [f"{endpoint} {method}" for endpoint, method in _routes(world.app) if (endpoint, method) not in EXPECTED]
    assert not missing, ("Routes without an entry in tests/test_permission_matrix.py EXPECTED (say who may use "
                         "them): " + ", ".join(missing))
    unbuilt = {e: u for e, u in world.urls.items() if u.startswith("!")}
    assert not unbuilt, f"Give these endpoints URL values in _build: {unbuilt}"


def test_get_requests_follow_the_matrix(world):
    """Does every kind of user get what the matrix says for every GET route (no state changes)?"""
    wrong = []
    for endpoint, method in _routes(world.app):
        if method != "GET" or (endpoint, method) not in EXPECTED:
            continue
        for kind, client in world.clients.items():
            got = outcome(client.get(world.urls[endpoint]))
            if got not in EXPECTED[(endpoint, method)][kind].split("|"):
                wrong.append(f"GET {world.urls[endpoint]} ({endpoint}) as {kind}: {got}, "
                             f"expected {EXPECTED[(endpoint, method)][kind]}")
    assert not wrong, "\n".join(wrong)


def test_post_requests_follow_the_matrix(world):
    """Does every kind of user get past (or stop at) the permission check of every POST route as the
    matrix says? The database is put back before each POST."""
    wrong = []
    for endpoint, method in _routes(world.app):
        if method != "POST" or (endpoint, method) not in EXPECTED:
            continue
        for kind, client in world.clients.items():
            _restore(world)
            if endpoint in OWN_CLIENT and kind != "anonym":
                client = world.app.test_client()
                client.post("/logga-in", data={"username": ACCOUNTS[kind][0], "password": PASSWORD})
            got = outcome(client.post(world.urls[endpoint], data={}))
            if got not in EXPECTED[(endpoint, method)][kind].split("|"):
                wrong.append(f"POST {world.urls[endpoint]} ({endpoint}) as {kind}: {got}, "
                             f"expected {EXPECTED[(endpoint, method)][kind]}")
    _restore(world)
    assert not wrong, "\n".join(wrong)
