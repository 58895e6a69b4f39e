"""Signing in with an LDAP directory: a real OpenLDAP slapd on loopback (tests/ldap_fixtures.py), the
login form, accounts made on first sign-in, roles that follow LDAP groups, and the refusals."""
from __future__ import annotations

import uuid

import pytest
from factories import PASSWORD, make_app
from sqlalchemy import select

from kb.constants import AuditAction, AuthSource, Role
from kb.extensions import db
from kb.models import AreaGrant, AuditEvent, User
from kb.services import groups, users

pytestmark = pytest.mark.ldap


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def ldap_settings(slapd, **extra) -> dict:
    """Search with the service account, StartTLS with the throwaway CA: what an AD set-up looks like."""
    return {"LDAP_URL": slapd.url, "LDAP_NAME": "Testkatalogen", "LDAP_BASE_DN": slapd.users_dn,
            "LDAP_BIND_DN": slapd.service_dn, "LDAP_BIND_PASSWORD": slapd.service_password,
            "LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(uid={username}))", "LDAP_START_TLS": True,
            "LDAP_CA_FILE": slapd.ca_file, "LDAP_NAME_ATTRIBUTE": "cn", **extra}


@pytest.fixture
def ldap_app(tmp_path, slapd):
    return make_app(tmp_path / "instance", **ldap_settings(slapd))


def sign_in(app, username: str, password: str):
    client = app.test_client()
    return client, client.post("/logga-in", data={"username": username, "password": password})


def audit_details(app, action: AuditAction, target: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == action.value, AuditEvent.target == target).order_by(AuditEvent.id)))


def test_the_login_page_asks_for_the_directory_account(ldap_app):
    html = ldap_app.test_client().get("/logga-in").get_data(as_text=True)
    assert "Använd ditt konto i Testkatalogen." in html


def test_first_sign_in_makes_an_account_and_a_returning_user_gets_the_same_one(ldap_app, slapd):
    uid = unique("anna")
    slapd.add_user(uid, "Rätt-lösenord-42", "Anna Svensson", mail=f"{uid}@lerum.se")
    client, resp = sign_in(ldap_app, uid, "Rätt-lösenord-42")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert "Anna Svensson" in client.get("/min-sida").get_data(as_text=True)
    with ldap_app.app_context():
        user = users.get(uid)
        assert user.source is AuthSource.LDAP and user.role == Role.READER.value
        assert user.email == f"{uid}@lerum.se" and user.password_hash == ""
        assert user.external_id and user.external_id != user.email  # the entry's UUID, never the e-mail
        first_id, first_external = user.id, user.external_id
    assert audit_details(ldap_app, AuditAction.USER_CREATED, uid) == [
        "källa: LDAP (Testkatalogen), vid första inloggningen"]

    with slapd.connect() as conn:  # the person changes name in the directory
        conn.modify(slapd.user_dn(uid), {"cn": [("MODIFY_REPLACE", ["Anna Berg"])]})
    _, resp = sign_in(ldap_app, uid, "Rätt-lösenord-42")
    assert resp.status_code == 302
    with ldap_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User).where(
            User.auth_source == "ldap", User.external_id == first_external)) == 1
        user = users.get(uid)
        assert (user.id, user.display_name) == (first_id, "Anna Berg")
    assert audit_details(ldap_app, AuditAction.LOGIN, uid) == ["via LDAP (Testkatalogen)"] * 2


def test_a_bad_password_or_an_unknown_user_gets_the_same_answer_and_is_audited(ldap_app, slapd):
    uid = unique("bo")
    slapd.add_user(uid, "Rätt-lösenord-42", "Bo Ek")
    for name, password in ((uid, "fel-lösenord-123"), (unique("ingen"), "Rätt-lösenord-42"), (uid, "")):
        client, resp = sign_in(ldap_app, name, password)
        assert resp.status_code in (401, 422)
        assert client.get("/min-sida").status_code == 302  # not signed in
    _, resp = sign_in(ldap_app, uid, "fel-lösenord-123")
    assert "Fel användarnamn eller lösenord." in resp.get_data(as_text=True)
    assert "LDAP: fel användarnamn eller lösenord" in audit_details(ldap_app, AuditAction.LOGIN_FAILED, uid)
    with ldap_app.app_context():
        assert users.get(uid) is None


def test_filter_characters_in_the_username_find_nobody(ldap_app, slapd):
    uid = unique("cia")
    slapd.add_user(uid, "Rätt-lösenord-42", "Cia Lund")
    for name in ("*", f"{uid[:3]}*", f"{uid})(uid=*"):
        _, resp = sign_in(ldap_app, name, "Rätt-lösenord-42")
        assert resp.status_code == 401


def test_roles_follow_the_groups_at_every_sign_in_and_hand_given_roles_stay(ldap_app, slapd):
    uid, editors, area_group = unique("dan"), unique("redaktorer"), unique("samla-faststallare")
    slapd.add_user(uid, "Rätt-lösenord-42", "Dan Holm")
    editors_dn = slapd.add_group(editors, [uid])
    area_dn = slapd.add_group(area_group, [uid])
    with ldap_app.app_context():
        groups.map_group(editors_dn.upper(), "redaktör")  # DNs compare case-insensitively
        groups.map_group(area_dn, "fastställare", area_key="samla")
    _, resp = sign_in(ldap_app, uid, "Rätt-lösenord-42")
    assert resp.status_code == 302
    with ldap_app.app_context():
        user = users.get(uid)
        assert (user.role, user.group_role, user.hand_role) == ("redaktör", "redaktör", "läsare")
        assert [(g.role, g.source) for g in db.session.scalars(select(AreaGrant).where(AreaGrant.user_id == user.id))] \
            == [("fastställare", f"grupp:{area_dn}")]
        users.set_role(uid, Role.APPROVER)  # by hand: stays whatever the groups say

    slapd.remove_from_group(editors, uid)
    slapd.remove_from_group(area_group, uid)
    client, resp = sign_in(ldap_app, uid, "Rätt-lösenord-42")
    assert resp.status_code == 302
    with ldap_app.app_context():
        user = users.get(uid)
        assert (user.role, user.group_role, user.hand_role) == ("fastställare", "", "fastställare")
        assert not list(db.session.scalars(select(AreaGrant).where(AreaGrant.user_id == user.id)))
    revoked = audit_details(ldap_app, AuditAction.AREA_REVOKED, uid)
    assert revoked and "gruppen ger inte längre rollen" in revoked[-1]
    assert any("källa: grupp" in d for d in audit_details(ldap_app, AuditAction.USER_ROLE, uid))


def test_someone_in_no_mapped_group_reads_or_is_refused_when_a_group_is_required(tmp_path, slapd):
    uid = unique("eva")
    slapd.add_user(uid, "Rätt-lösenord-42", "Eva Lind")
    open_app = make_app(tmp_path / "open", **ldap_settings(slapd))
    _, resp = sign_in(open_app, uid, "Rätt-lösenord-42")
    assert resp.status_code == 302
    with open_app.app_context():
        assert users.get(uid).role == Role.READER.value

    strict = make_app(tmp_path / "strict", **ldap_settings(slapd, REQUIRE_GROUP=True))
    client, resp = sign_in(strict, uid, "Rätt-lösenord-42")
    assert resp.status_code == 401
    assert "finns inte i någon grupp som ger tillgång" in resp.get_data(as_text=True)
    assert client.get("/min-sida").status_code == 302
    assert "LDAP: ingen grupp som ger en roll" in audit_details(strict, AuditAction.LOGIN_FAILED, uid)

    group_dn = slapd.add_group(unique("kb-lasare"), [uid])
    with strict.app_context():
        groups.map_group(group_dn, "läsare")
    assert sign_in(strict, uid, "Rätt-lösenord-42")[1].status_code == 302


def test_a_dn_template_binds_directly_and_groups_can_come_from_a_search(tmp_path, slapd):
    uid = unique("fia")
    slapd.add_user(uid, "Rätt-lösenord-42", "Fia Berg")
    group_dn = slapd.add_group(unique("nosam"), [uid])
    app = make_app(tmp_path / "instance", LDAP_URL=slapd.url, LDAP_USER_DN=f"uid={{username}},{slapd.users_dn}",
                   LDAP_GROUP_ATTRIBUTE="", LDAP_GROUP_BASE_DN=slapd.groups_dn,
                   LDAP_GROUP_FILTER="(&(objectClass=groupOfNames)(member={dn}))", LDAP_NAME_ATTRIBUTE="cn")
    with app.app_context():
        groups.map_group(group_dn, "redaktör")
    _, resp = sign_in(app, uid, "Rätt-lösenord-42")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        user = users.get(uid)
        assert user.role == "redaktör" and user.display_name == "Fia Berg"
        assert groups.groups_of(user) == [group_dn]
    assert sign_in(app, uid, "fel-lösenord-123")[1].status_code == 401


def test_ldaps_with_the_ca_works_and_an_untrusted_certificate_is_refused(tmp_path, slapd):
    uid = unique("gun")
    slapd.add_user(uid, "Rätt-lösenord-42", "Gun Ås")
    trusted = make_app(tmp_path / "trusted", **ldap_settings(slapd, LDAP_URL=slapd.ldaps_url, LDAP_START_TLS=False))
    assert sign_in(trusted, uid, "Rätt-lösenord-42")[1].status_code == 302
    for name, settings in (("ldaps", {"LDAP_URL": slapd.ldaps_url, "LDAP_START_TLS": False}),
                           ("starttls", {})):
        untrusted = make_app(tmp_path / name, **ldap_settings(slapd, LDAP_CA_FILE="", **settings))
        _, resp = sign_in(untrusted, uid, "Rätt-lösenord-42")
        assert resp.status_code == 401
        assert "Katalogtjänsten (LDAP) svarar inte just nu" in resp.get_data(as_text=True)
        assert any("CERTIFICATE_VERIFY_FAILED" in d or "TLS" in d
                   for d in audit_details(untrusted, AuditAction.LOGIN_FAILED, uid))


def test_a_local_account_keeps_its_password_and_a_disabled_directory_account_is_refused(ldap_app, slapd):
    uid = unique("hans")
    slapd.add_user(uid, "Katalog-lösenord-42", "Hans Ny")
    with ldap_app.app_context():
        users.create("lokal-" + uid, PASSWORD, Role.EDITOR)
    assert sign_in(ldap_app, "lokal-" + uid, PASSWORD)[1].status_code == 302  # local accounts still work
    assert sign_in(ldap_app, uid, "Katalog-lösenord-42")[1].status_code == 302
    with ldap_app.app_context():
        users.set_disabled(uid, True)
    _, resp = sign_in(ldap_app, uid, "Katalog-lösenord-42")
    assert resp.status_code == 401
    assert "inaktiverat" in resp.get_data(as_text=True)


def test_the_organisation_attribute_sets_the_users_organisation(tmp_path, slapd):
    """With KB_LDAP_ORGANISATION_ATTRIBUTE, does sign-in give the account the organisation the directory
    names (by name), so the required reading of Lerums kommun reaches them?"""
    from kb.services import organisations

    app = make_app(tmp_path / "instance", **ldap_settings(slapd, LDAP_ORGANISATION_ATTRIBUTE="o"))
    with app.app_context():
        organisations.ensure_defaults()
    uid = unique("org")
    slapd.add_user(uid, "Rätt-lösenord-42", "Olle Org")
    with slapd.connect() as conn:
        conn.modify(slapd.user_dn(uid), {"o": [("MODIFY_ADD", ["Lerums kommun"])]})
    _, resp = sign_in(app, uid, "Rätt-lösenord-42")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        assert users.get(uid).organisation_key == "lerums-kommun"
    assert audit_details(app, AuditAction.USER_ORGANISATION, uid) == [
        "ingen → lerums-kommun (källa: LDAP (Testkatalogen))"]
