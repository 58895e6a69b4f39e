"""Roles from groups, as administrators and members meet them: mapping a group at the identity provider to a
site role or an area role (`kb groups`, /admin/grupper), accounts gaining and losing those roles at once,
roles given by hand staying, and the admin pages telling the two apart."""
from __future__ import annotations

import html

import pytest
from factories import login, make_app, make_user
from sqlalchemy import func, select

from kb.constants import AreaRole, AuditAction, AuthSource, Role
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import AreaGrant, AuditEvent, GroupRole
from kb.services import areas, groups, users

GBG = "gbg-sydvast"
EDITORS = "kb-redaktorer"  # an OIDC group claim value
GBG_DN = "CN=KB Fastställare GBG,OU=Grupper,DC=exempel,DC=se"  # an AD group's DN


@pytest.fixture
def app(tmp_path):
    """An instance with SAMLA and GBG Sydväst and a reader, Anna."""
    app = make_app(tmp_path / "instance")
    with app.app_context():
        areas.create(GBG, "NOSAM GBG Sydväst")
        make_user("anna", "läsare")
    return app


def member_of(app, username: str, *names: str) -> None:
    """The identity provider named these groups at the user's last sign-in."""
    with app.app_context():
        groups.apply(users.get(username), list(names))
        db.session.commit()


def roles(app, username: str) -> tuple[str, str, str]:
    """The user's role in effect, given by hand and from groups."""
    with app.app_context():
        user = users.get(username)
        return user.role, user.hand_role, user.group_role


def grants(app, username: str) -> set[tuple[str, str, str]]:
    """The user's area grants as (area key, role, source)."""
    with app.app_context():
        user = users.get(username)
        keys = {a.id: a.key for a in areas.all_areas()}
        return {(keys[g.area_id], g.role, g.source)
                for g in db.session.scalars(select(AreaGrant).where(AreaGrant.user_id == user.id))}


def audit_details(app, action: AuditAction, target: str | None = None) -> list[str]:
    """The details of the audit log's events of this kind (about `target`), oldest first."""
    with app.app_context():
        query = select(AuditEvent.detail).where(AuditEvent.action == action.value).order_by(AuditEvent.id)
        if target is not None:
            query = query.where(AuditEvent.target == target)
        return list(db.session.scalars(query))


def mapping_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(GroupRole))


def logged_in(client) -> bool:
    """Does Min sida open for this client (rather than sending it to the login page)?"""
    response = client.get("/min-sida")
    if response.status_code == 302:
        assert "/logga-in" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- the service: roles follow the mapping at once, roles given by hand stay


def test_a_mapped_group_gives_its_members_a_site_role_at_once_and_takes_it_back(app):
    """When the administrator maps kb-redaktorer to redaktör, does Anna, who was in KB-Redaktorer (another case)
    at her last sign-in, become an editor at once, her hand-given reader role untouched, and a reader again when
    the mapping goes, each step in the audit log with the group it came from?"""
    member_of(app, "anna", "KB-Redaktorer", "some-other-group")
    assert roles(app, "anna") == ("läsare", "läsare", "")
    with app.app_context():
        groups.map_group(EDITORS, "redaktör", actor="admin")
    assert roles(app, "anna") == ("redaktör", "läsare", "redaktör")
    assert audit_details(app, AuditAction.GROUP_MAPPED, EDITORS) == ["hela kunskapsbanken: ingen → redaktör"]
    assert "läsare → redaktör (källa: grupp kb-redaktorer)" in audit_details(app, AuditAction.USER_ROLE, "anna")
    with app.app_context():
        assert groups.unmap(EDITORS, actor="admin") == 1
    assert roles(app, "anna") == ("läsare", "läsare", "")
    assert audit_details(app, AuditAction.GROUP_UNMAPPED, EDITORS) == ["hela kunskapsbanken: redaktör → ingen"]
    assert "redaktör → läsare (källa: ingen grupp ger längre en roll)" in audit_details(
        app, AuditAction.USER_ROLE, "anna")


def test_the_role_in_effect_is_the_higher_of_the_hand_given_and_the_groups(app):
    """Is Anna, fastställare by hand, still fastställare when her group gives redaktör, administratör when it
    gives that, and fastställare again when the mapping goes, her hand-given role never changed?"""
    with app.app_context():
        users.set_role("anna", Role.APPROVER)
    member_of(app, "anna", EDITORS)
    with app.app_context():
        groups.map_group(EDITORS, "redaktör")
    assert roles(app, "anna") == ("fastställare", "fastställare", "redaktör")
    with app.app_context():
        groups.map_group(EDITORS, "administratör")
    assert roles(app, "anna") == ("administratör", "fastställare", "administratör")
    with app.app_context():
        groups.unmap(EDITORS)
    assert roles(app, "anna") == ("fastställare", "fastställare", "")


def test_a_mapped_group_gives_an_area_role_beside_the_one_given_by_hand(app):
    """When the AD group of GBG's fastställare is mapped in GBG Sydväst, does Anna get the role there as a grant
    from the group (source "grupp:<DN>"), audited with the group, and lose only that grant when the mapping goes,
    keeping the membership given to her by hand?"""
    with app.app_context():
        areas.grant("anna", GBG, AreaRole.MEMBER)
    member_of(app, "anna", GBG_DN.lower())  # LDAP compares DNs case-insensitively
    with app.app_context():
        groups.map_group(GBG_DN, "fastställare", area_key=GBG, actor="admin")
        assert users.get("anna").area_roles[areas.require(GBG).id] is AreaRole.APPROVER
    assert grants(app, "anna") == {(GBG, "medlem", "hand"), (GBG, "fastställare", "grupp:" + GBG_DN)}
    assert roles(app, "anna") == ("läsare", "läsare", "")  # an area role leaves the site role alone
    assert audit_details(app, AuditAction.GROUP_MAPPED, GBG_DN) == [f"{GBG}: ingen → fastställare"]
    assert audit_details(app, AuditAction.AREA_GRANTED, "anna")[-1] == \
        f"{GBG}: ingen → fastställare (källa: grupp {GBG_DN})"
    with app.app_context():
        groups.unmap(GBG_DN, area_key=GBG, actor="admin")
    assert grants(app, "anna") == {(GBG, "medlem", "hand")}
    assert GBG_DN in audit_details(app, AuditAction.AREA_REVOKED, "anna")[-1]


@pytest.mark.parametrize(("group", "role", "area", "field", "message"), [
    ("  ", "redaktör", None, "group", "Ange gruppens namn"),
    (EDITORS, "chef", None, "role", "Okänd roll ”chef”"),
    (EDITORS, "medlem", None, "role", "Okänd roll ”medlem”"),  # an area role, asked for site-wide
    (EDITORS, "administratör", GBG, "role", "Okänd områdesroll ”administratör”"),
    (EDITORS, "redaktör", "finns-inte", "area", "Det finns inget område ”finns-inte”"),
    ("rad ett\nrad två", "redaktör", None, "group", "radbrytningar"),
])
def test_a_bad_mapping_is_refused_in_swedish_and_saves_nothing(app, group, role, area, field, message):
    """Is a mapping with an empty group, an unknown role or area refused with a Swedish message at the field,
    with nothing saved or audited?"""
    with app.app_context(), pytest.raises(ValidationError) as refused:
        groups.map_group(group, role, area_key=area)
    assert message in refused.value.errors[field]
    assert mapping_count(app) == 0
    assert audit_details(app, AuditAction.GROUP_MAPPED) == []


# --- the command line


def test_kb_groups_maps_lists_and_unmaps(app, runner):
    """Does `kb groups map` confirm in Swedish where the role applies, `kb groups list` show each group's role,
    place and number of accounts, and `kb groups unmap` take the role away again?"""
    member_of(app, "anna", EDITORS)
    assert runner.invoke(args=["groups", "list"]).output == "Inga grupper är kopplade till roller.\n"
    result = runner.invoke(args=["groups", "map", EDITORS, "--role", "redaktör"])
    assert result.exit_code == 0, result.output
    assert result.output == "Gruppen ”kb-redaktorer” ger nu rollen redaktör i hela kunskapsbanken.\n"
    result = runner.invoke(args=["groups", "map", GBG_DN, "--role", "faststallare", "--area", GBG])
    assert result.output == f"Gruppen ”{GBG_DN}” ger nu rollen fastställare i området NOSAM GBG Sydväst.\n"
    assert roles(app, "anna") == ("redaktör", "läsare", "redaktör")
    listed = runner.invoke(args=["groups", "list"]).output.splitlines()
    assert listed[0].split() == ["Grupp", "Roll", "Gäller", "Konton"]
    assert listed[1].startswith(GBG_DN) and "fastställare" in listed[1]
    assert "området NOSAM GBG Sydväst (gbg-sydvast)" in listed[1]
    assert listed[1].split()[-1] == "0"
    assert listed[2].split()[:3] == [EDITORS, "redaktör", "hela"] and listed[2].split()[-1] == "1"
    result = runner.invoke(args=["groups", "unmap", EDITORS])
    assert result.exit_code == 0 and "ger inte längre någon roll i hela kunskapsbanken" in result.output
    assert roles(app, "anna") == ("läsare", "läsare", "")
    again = runner.invoke(args=["groups", "unmap", EDITORS])
    assert again.exit_code == 0 and "gav ingen roll i hela kunskapsbanken" in again.output
    result = runner.invoke(args=["groups", "unmap", GBG_DN.upper(), "--area", GBG])  # any case will do
    assert result.output == f"Gruppen ”{GBG_DN.upper()}” ger inte längre någon roll i området NOSAM GBG Sydväst.\n"
    assert runner.invoke(args=["groups", "list"]).output == "Inga grupper är kopplade till roller.\n"


@pytest.mark.parametrize(("args", "message"), [
    (["map", EDITORS, "--role", "chef"], "Fel: Okänd roll ”chef”."),
    (["map", EDITORS, "--role", "redaktör", "--area", "finns-inte"], "Fel: Det finns inget område ”finns-inte”."),
    (["map", " ", "--role", "redaktör"], "Fel: Ange gruppens namn, id eller DN"),
    (["unmap", EDITORS, "--area", "finns-inte"], "Fel: Det finns inget område ”finns-inte”."),
])
def test_kb_groups_refuses_bad_input_in_swedish(app, runner, args, message):
    """Does `kb groups` refuse an unknown role or area or an empty group with "Fel: …" and a non-zero exit code,
    saving nothing?"""
    result = runner.invoke(args=["groups", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert mapping_count(app) == 0


# --- the admin page


def test_an_administrator_maps_and_removes_a_group_on_the_admin_page(app, admin):
    """Does /admin/grupper explain what a group is, add a mapping from the form (Anna gains the area role at
    once), list it with its place and accounts, and remove it with its button (Anna loses the role)?"""
    member_of(app, "anna", GBG_DN)
    page = text(admin.get("/admin/grupper"))
    assert "Entra ID gruppens objekt-id" in page and "LDAP-gruppens DN" in page
    assert "roller som getts för hand ligger kvar" in page and "Inga grupper är kopplade till roller." in page
    assert '<optgroup label="I hela kunskapsbanken">' in page and '<optgroup label="I ett område">' in page
    assert "Roller från grupper" in text(admin.get("/admin/anvandare"))  # linked from the admin pages
    response = admin.post("/admin/grupper", data={"group": GBG_DN, "area": GBG, "role": "area:redaktör"})
    assert response.status_code == 302
    page = text(admin.get(response.headers["Location"]))
    assert f"Gruppen ”{GBG_DN}” ger nu rollen redaktör i området NOSAM GBG Sydväst." in page
    assert f"<td><code>{GBG_DN}</code></td>" in page and "<td>Redaktör</td>" in page
    assert (GBG, "redaktör", "grupp:" + GBG_DN) in grants(app, "anna")
    with app.app_context():
        (mapping,) = groups.mappings()
    assert mapping.members == 1
    response = admin.post(f"/admin/grupper/{mapping.id}/ta-bort", data={})
    assert response.status_code == 302
    page = text(admin.get("/admin/grupper"))
    assert f"Gruppen ”{GBG_DN}” ger inte längre rollen redaktör i området NOSAM GBG Sydväst." in page
    assert "Inga grupper är kopplade till roller." in page
    assert grants(app, "anna") == set()
    assert audit_details(app, AuditAction.GROUP_UNMAPPED, GBG_DN) == [f"{GBG}: redaktör → ingen"]
    again = admin.post(f"/admin/grupper/{mapping.id}/ta-bort", data={}, follow_redirects=True)
    assert "Kopplingen fanns inte längre." in text(again)


def test_a_site_role_from_the_admin_page(app, admin):
    """Does choosing "Hela kunskapsbanken" and a role under "I hela kunskapsbanken" give the site role?"""
    member_of(app, "anna", EDITORS)
    response = admin.post("/admin/grupper", data={"group": EDITORS, "area": "", "role": "site:fastställare"})
    assert response.status_code == 302
    assert roles(app, "anna") == ("fastställare", "läsare", "fastställare")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"group": "", "area": "", "role": "site:redaktör"}, "group", "Ange gruppen som identitetsleverantören skickar"),
    ({"group": EDITORS, "area": "", "role": ""}, "role", "Välj en roll."),
    ({"group": EDITORS, "area": "", "role": "area:medlem"}, "role", "Rollen ”medlem” gäller i ett område"),
    ({"group": EDITORS, "area": GBG, "role": "site:administratör"}, "role", "Ett område är valt"),
    ({"group": EDITORS, "area": "", "role": "kung"}, "role", "Välj en av rollerna i listan."),
    ({"group": EDITORS, "area": "finns-inte", "role": "area:medlem"}, "area", "Det finns inget område ”finns-inte”"),
    ({"group": "rad ett\nrad två", "area": "", "role": "site:redaktör"}, "group", "radbrytningar"),
])
def test_the_admin_page_refuses_a_bad_mapping_at_its_field(app, admin, data, field, message):
    """Is a form without a group or role, with a site role for an area or an area role site-wide, or with an
    unknown area answered 422 with the Swedish message at its field (kept in the form), saving nothing?"""
    response = admin.post("/admin/grupper", data=data)
    assert response.status_code == 422
    page = text(response)
    assert f'<p class="error" id="{field}-fel">' in page and message in page
    assert "Något behöver rättas" in page
    assert mapping_count(app) == 0


# --- roles given by hand, shown apart


def test_the_user_list_shows_the_sign_in_source_and_where_the_role_comes_from(app, admin):
    """Does /admin/anvandare show Anna as an OpenID Connect account whose editor role comes from a group, with
    the hand-given reader role preselected under "Roll given för hand", and does changing that select change
    only the hand-given role?"""
    with app.app_context():
        users.get("anna").auth_source = AuthSource.OIDC.value
        groups.map_group(EDITORS, "redaktör")
    member_of(app, "anna", EDITORS)
    page = text(admin.get("/admin/anvandare"))
    row = page[page.index("<td>anna"):].split("</tr>")[0]
    assert "<td>OpenID Connect</td>" in row
    assert "Redaktör (från grupp)" in row
    assert "i kraft: redaktör · för hand: läsare · från grupp: redaktör" in row
    assert "Roll given för hand" in row and '<option selected value="läsare">' in row
    assert "<td>Lokalt konto</td>" in page  # the administrator's own account
    response = admin.post("/admin/anvandare/anna/roll", data={"role": "fastställare"}, follow_redirects=True)
    assert "anna har nu rollen fastställare given för hand." in text(response)
    assert roles(app, "anna") == ("fastställare", "fastställare", "redaktör")
    row = text(admin.get("/admin/anvandare")).split("<td>anna")[1].split("</tr>")[0]
    assert "Fastställare" in row and "(från grupp)" not in row
    admin.post("/admin/anvandare/anna/roll", data={"role": "läsare"})
    assert roles(app, "anna") == ("redaktör", "läsare", "redaktör")


def test_the_area_page_shows_each_grants_source_and_no_buttons_for_group_grants(app, admin):
    """Does GBG Sydväst's members page name the source of each role, keep "Byt roll" and "Ta bort" for the role
    Bertil was given by hand, and offer neither for Anna's role from her group (it follows the group)?"""
    with app.app_context():
        make_user("bertil", "läsare", areas={GBG: "redaktör"})
        groups.map_group(GBG_DN, "fastställare", area_key=GBG)
    member_of(app, "anna", GBG_DN)
    page = text(admin.get(f"/admin/omraden/{GBG}"))
    assert "<th scope=\"col\">Källa</th>" in page
    assert f"Från gruppen {GBG_DN}" in page and "Given för hand" in page
    assert "följer gruppen vid varje inloggning" in page
    assert f"/admin/omraden/{GBG}/medlemmar/bertil/ta-bort" in page
    assert f"/admin/omraden/{GBG}/medlemmar/bertil/roll" in page
    assert f"/admin/omraden/{GBG}/medlemmar/anna/ta-bort" not in page
    assert f"/admin/omraden/{GBG}/medlemmar/anna/roll" not in page
    assert "Följer gruppen" in page
    users_page = text(admin.get("/admin/anvandare"))
    anna = users_page[users_page.index("<td>anna"):].split("</tr>")[0]
    bertil = users_page[users_page.index("<td>bertil"):].split("</tr>")[0]
    assert ": fastställare <span class=\"meta\">(från grupp)</span>" in anna and "(från grupp)" not in bertil
    # the hand-given controls still work
    admin.post(f"/admin/omraden/{GBG}/medlemmar/bertil/roll", data={"role": "medlem"})
    admin.post(f"/admin/omraden/{GBG}", data={"username": "anna", "role": "medlem"})
    assert grants(app, "bertil") == {(GBG, "medlem", "hand")}
    assert grants(app, "anna") == {(GBG, "medlem", "hand"), (GBG, "fastställare", "grupp:" + GBG_DN)}
    admin.post(f"/admin/omraden/{GBG}/medlemmar/anna/ta-bort", data={})
    assert grants(app, "anna") == {(GBG, "fastställare", "grupp:" + GBG_DN)}


# --- KB_REQUIRE_GROUP: no mapped group left, no session


@pytest.mark.parametrize("required", [True, False])
def test_removing_the_last_mapping_ends_the_sessions_when_a_group_is_required(tmp_path, required):
    """With KB_REQUIRE_GROUP, when the only mapping for Anna's groups goes, is she logged out at her next request
    (and the audit log says why)? Without it, does she stay logged in, only without the area role?"""
    app = make_app(tmp_path / "instance", REQUIRE_GROUP=required)
    with app.app_context():
        areas.create(GBG, "NOSAM GBG Sydväst")
        groups.map_group("kb-gbg", "medlem", area_key=GBG)
    anna = login(app, "anna", "läsare")
    member_of(app, "anna", "kb-gbg")
    admin = login(app, "admin", "administratör")
    assert logged_in(anna)
    with app.app_context():
        (mapping,) = groups.mappings()
    assert admin.post(f"/admin/grupper/{mapping.id}/ta-bort", data={}).status_code == 302
    assert grants(app, "anna") == set()
    assert logged_in(anna) is not required
    ended = audit_details(app, AuditAction.SESSIONS_ENDED, "anna")
    assert ended == (["ingen grupp ger längre tillgång"] if required else [])
    assert logged_in(admin)
