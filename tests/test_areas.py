"""Areas: the model, the migration's defaults, roles per area, the CLI and the API."""
from __future__ import annotations

import pytest

from kb.constants import AreaRole, Role
from kb.exceptions import NotFoundError, ValidationError
from kb.models import Page
from kb.permissions import Permission, area_rank, can, can_manage_area, can_read_page, is_approver
from kb.services import areas
from tests.factories import make_page, make_user


def test_a_new_instance_has_the_shared_and_the_own_area(app):
    with app.app_context():
        keys = [a.key for a in areas.all_areas()]
        assert keys[0] == "gemensamt"
        assert "samla" in keys
        assert areas.default_area().name == "SAMLA – Vårdsamverkan Lerum Alingsås"
        assert areas.shared_area().name == "Gemensamt för regionen"


def test_content_without_an_area_joins_the_own_area(app):
    with app.app_context():
        page = make_page("Rutin för SIP")
        assert page.area.key == "samla"


def test_create_refuses_bad_and_taken_keys_and_saves_nothing(app):
    with app.app_context():
        with pytest.raises(ValidationError) as err:
            areas.create("Ä B", "")
        assert set(err.value.errors) == {"key", "name"}
        with pytest.raises(ValidationError):
            areas.create("samla", "En till")
        assert [a.key for a in areas.all_areas()] == ["gemensamt", "samla"]


def test_roles_are_per_area(app):
    with app.app_context():
        gbg = areas.create("gbg-sydvast", "NOSAM GBG Sydväst")
        samla = areas.get("samla")
        user = make_user("anna", Role.READER)
        areas.grant("anna", "samla", AreaRole.EDITOR)
        assert can(user, Permission.EDIT, samla.id)
        assert not can(user, Permission.EDIT, gbg.id)
        assert can(user, Permission.EDIT)  # somewhere
        assert not is_approver(user, samla.id)
        areas.grant("anna", "gbg-sydvast", AreaRole.APPROVER)
        assert is_approver(user, gbg.id) and not is_approver(user, samla.id)
        assert not can_manage_area(user, gbg.id)
        areas.grant("anna", "gbg-sydvast", AreaRole.AREA_ADMIN)
        assert can_manage_area(user, gbg.id) and not can_manage_area(user, samla.id)
        assert areas.revoke("anna", "gbg-sydvast") == 1
        assert area_rank(user, gbg.id) == Role.READER.rank
        assert areas.roles_of("anna") == {"samla": AreaRole.EDITOR}


def test_members_only_area_is_hidden_from_others(app):
    with app.app_context():
        closed = areas.create("tg-aldre", "TG Äldre", members_only=True)
        page = make_page("Arbetsgruppens anteckningar", area_id=closed.id)
        from kb.extensions import db
        outsider = make_user("olle", Role.EDITOR)
        member = make_user("maja", Role.READER)
        areas.grant("maja", "tg-aldre", AreaRole.MEMBER)
        admin = make_user("root", Role.ADMIN)
        page = db.session.get(Page, page.id)
        assert not can_read_page(outsider, page)
        assert not can(outsider, Permission.EDIT, closed.id)
        assert can_read_page(member, page)
        assert not can(member, Permission.EDIT, closed.id)
        assert can_read_page(admin, page)


def test_grant_names_unknown_users_and_areas(app):
    with app.app_context():
        with pytest.raises(ValidationError):
            areas.grant("nobody", "samla", AreaRole.EDITOR)
        make_user("kalle")
        with pytest.raises(NotFoundError) as err:
            areas.grant("kalle", "finns-inte", AreaRole.EDITOR)
        assert "gemensamt" in str(err.value)


def test_cli_creates_lists_grants_and_revokes(app, runner):
    result = runner.invoke(args=["area", "create", "gbg-sydvast", "--name", "NOSAM GBG Sydväst"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["area", "create", "tg-aldre", "--name", "TG Äldre", "--members-only"])
    assert "endast för medlemmar" in result.output
    listed = runner.invoke(args=["area", "list"]).output
    assert "gbg-sydvast" in listed and "NOSAM GBG Sydväst" in listed and "endast medlemmar" in listed
    bad = runner.invoke(args=["area", "create", "samla", "--name", "X"])
    assert bad.exit_code == 1 and "Fel: Det finns redan ett område" in bad.output
    with app.app_context():
        make_user("anna", Role.READER)
    ok = runner.invoke(args=["user", "grant", "anna", "--area", "gbg-sydvast", "--role", "redaktör"])
    assert ok.exit_code == 0 and "redaktör i området gbg-sydvast" in ok.output
    assert "redaktör i gbg-sydvast" in runner.invoke(args=["user", "list"]).output
    wrong = runner.invoke(args=["user", "grant", "anna", "--area", "gbg-sydvast", "--role", "kung"])
    assert wrong.exit_code != 0 and "Okänd områdesroll" in wrong.output
    gone = runner.invoke(args=["user", "revoke", "anna", "--area", "gbg-sydvast"])
    assert gone.exit_code == 0 and "inte längre" in gone.output
    with app.app_context():
        assert areas.roles_of("anna") == {}


def test_api_lists_visible_areas_and_pages_carry_their_area(app, anon):
    with app.app_context():
        areas.create("tg-aldre", "TG Äldre", members_only=True)
        make_page("Rutin för SIP")
    listed = anon.get("/api/areas").get_json()["areas"]
    assert [a["key"] for a in listed] == ["gemensamt", "samla"]
    page = anon.get("/api/pages/rutin-for-sip").get_json()
    assert page["area"] == {"key": "samla", "name": "SAMLA – Vårdsamverkan Lerum Alingsås"}
