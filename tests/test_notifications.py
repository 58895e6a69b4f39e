"""Watching pages, structures and page types, and the notifications and reminders `kb notify` makes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from notify_helpers import activity_in, edit, page_with, person, plan_for
from sqlalchemy import select

from kb import permissions
from kb.constants import ReminderKind, Role, WatchKind
from kb.dates import today
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Change, Notification, Watch
from kb.services import notifications, pages, plans, reminders, users


@pytest.fixture
def ctx(app):
    """An app context with two people and a small structure tree: SAMLA › Samordningsgruppen › NOSAM.

    Routines are published at once here; notifications about drafts are tested on their own.
    """
    app.config["APPROVAL_TYPES"] = []
    with app.app_context():
        person("anna")
        person("bo")
        page_with("SAMLA", "structure")
        page_with("Samordningsgruppen", "structure", fields={"parent": "samla"})
        page_with("NOSAM", "structure", fields={"parent": "samordningsgruppen"})
        yield app


def notes_of(name: str) -> list[Notification]:
    """A user's notifications, oldest first."""
    user = person(name)
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def texts_of(name: str) -> list[str]:
    """The texts of a user's notifications, oldest first."""
    return [n.text for n in notes_of(name)]


def test_a_user_watches_and_stops_watching_a_page_a_structure_and_a_page_type(ctx):
    """Are the three kinds of watch listed with labels, idempotent, and removable only by their owner?"""
    anna, bo = person("anna"), person("bo")
    sip = page_with("SIP", "routine")
    group = pages.get("samordningsgruppen")
    first = notifications.watch(anna, WatchKind.PAGE, sip)
    assert notifications.watch(anna, WatchKind.PAGE, sip).id == first.id
    notifications.watch(anna, WatchKind.STRUCTURE, group)
    notifications.watch(anna, WatchKind.PAGE_TYPE, "routine")
    items = notifications.watches_of(anna)
    assert [(i.label, i.link) for i in items] == [
        ("Samordningsgruppen", "/sida/samordningsgruppen"), ("SIP", "/sida/sip"),
        ("Alla sidor av typen rutin", "")]
    assert db.session.scalar(select(db.func.count(Watch.id))) == 3
    assert notifications.unwatch(bo, first.id) is False
    assert notifications.unwatch(anna, first.id) is True
    assert [i.label for i in notifications.watches_of(anna)] == ["Samordningsgruppen", "Alla sidor av typen rutin"]


def test_only_structures_are_watched_as_structures_and_only_known_page_types(ctx):
    """Does watching the wrong thing fail with a Swedish message?"""
    anna = person("anna")
    sip = page_with("SIP", "routine")
    with pytest.raises(ValidationError) as exc:
        notifications.watch(anna, WatchKind.STRUCTURE, sip)
    assert exc.value.errors["page"] == "”SIP” är ingen struktur. Bevaka sidan i stället."
    with pytest.raises(ValidationError) as exc:
        notifications.watch(anna, WatchKind.PAGE_TYPE, "blogg")
    assert exc.value.errors["page_type"] == "Välj en av sidtyperna i listan."
    assert notifications.watches_of(anna) == []


def test_a_change_notifies_the_watchers_but_not_the_person_who_made_it(ctx):
    """Does an edit by Bo notify Anna, who watches the page, and not Bo, who watches it too?"""
    sip = page_with("Handbok", "article")
    for name in ("anna", "bo"):
        notifications.watch(person(name), WatchKind.PAGE, sip)
    edit(sip, "Ny text.\n", author="bo")
    assert notifications.notify_changes() == 1
    [note] = notes_of("anna")
    assert (note.text, note.link, note.actor, note.read_at) == ("Sidan ”Handbok” har ändrats", "/sida/handbok",
                                                                "bo", None)
    assert notes_of("bo") == []
    assert notifications.notify_changes() == 0, "a second run must not notify the same change again"
    assert len(notes_of("anna")) == 1


def test_changes_made_before_the_watch_are_not_notified(ctx):
    """Does a new watch start from now, instead of replaying the page's history?"""
    sip = page_with("Handbok", "article", author="bo")
    edit(sip, "Andra versionen.\n", author="bo")
    notifications.watch(person("anna"), WatchKind.PAGE, sip)
    assert notifications.notify_changes() == 0
    edit(sip, "Tredje versionen.\n", author="bo")
    notifications.notify_changes()
    assert texts_of("anna") == ["Sidan ”Handbok” har ändrats"]


def test_a_structure_watch_covers_its_child_structures_owned_routines_plans_and_activities(ctx):
    """Does watching Samordningsgruppen bring news of NOSAM, its routines, plans and activities, and nothing else?"""
    anna = person("anna")
    samordning = pages.get("samordningsgruppen")
    notifications.watch(anna, WatchKind.STRUCTURE, samordning)
    nosam = pages.get("nosam")
    edit(nosam, "NOSAM är operativt.\n", author="bo")
    page_with("Avvikelser i samverkan", "routine", fields={"owner": "samordningsgruppen"}, author="bo")
    page_with("Mini-Maria", "reception", author="bo")
    plan = plan_for("samordningsgruppen", author="bo")
    activity_in(plan, "Nätverk för SIP-samordnare", author="bo")
    other = plan_for("nosam", title="NOSAM 2026", author="bo")
    activity_in(other, "Workshop om hemgång", author="bo", responsible="samordningsgruppen")
    activity_in(other, "Kartlägga utskrivningar", author="bo")
    notifications.notify_changes()
    assert texts_of("anna") == [
        "Strukturen ”NOSAM” har ändrats",
        "Rutinen ”Avvikelser i samverkan” har skapats",
        "Aktivitetsplanen ”Aktivitetsplan 2026” har skapats",
        "Aktiviteten ”Nätverk för SIP-samordnare” i ”Aktivitetsplan 2026” har skapats",
        "Aktiviteten ”Workshop om hemgång” i ”NOSAM 2026” har skapats",
    ]
    assert notes_of("bo") == []


def test_a_page_type_watch_covers_every_page_of_the_type(ctx):
    """Does watching routines tell Anna about a new routine, and not about a new reception?"""
    notifications.watch(person("anna"), WatchKind.PAGE_TYPE, "article")
    page_with("Handbok", "article", author="bo")
    page_with("Mini-Maria", "reception", author="bo")
    notifications.notify_changes()
    assert texts_of("anna") == ["Sidan ”Handbok” har skapats"]


def test_repeated_changes_are_counted_into_one_unread_notification(ctx):
    """Do three edits make one notification "3 ändringar", and an edit after reading a new one?"""
    anna = person("anna")
    sip = page_with("Handbok", "article")
    notifications.watch(anna, WatchKind.PAGE, sip)
    for n in range(3):
        edit(sip, f"Version {n}.\n", author="bo")
    notifications.notify_changes()
    [note] = notes_of("anna")
    assert note.count == 3
    assert notifications.unread_count(anna) == 1
    assert notifications.mark_read(anna, note.id)
    assert notifications.mark_read(person("bo"), note.id) is False, "nobody marks someone else's notification"
    edit(sip, "Version 4.\n", author="bo")
    notifications.notify_changes()
    assert [n.count for n in notes_of("anna")] == [3, 1]
    assert notifications.mark_all_read(anna) == 1
    assert notifications.unread_count(anna) == 0


def test_every_operation_has_a_swedish_text_and_unknown_ones_a_fallback(ctx):
    """Do the approval workflow's operations (matched by name) and an unknown one read as Swedish sentences?"""
    anna = person("anna")
    sip = page_with("Handbok", "article")
    notifications.watch(anna, WatchKind.PAGE, sip)
    for op in ("draft", "approve", "return", "flag", "flag_resolved", "review", "archive", "delete"):
        db.session.add(Change(entity="page", entity_id=sip.id, op=op, actor="bo"))
        db.session.commit()
    notifications.notify_changes()
    assert texts_of("anna") == [
        "Ett utkast till sidan ”Handbok” väntar på godkännande",
        "Sidan ”Handbok” har godkänts",
        "Utkastet till sidan ”Handbok” har skickats tillbaka för ändringar",
        "En läsare har rapporterat fel på sidan ”Handbok”",
        "En flaggning av sidan ”Handbok” har åtgärdats",
        "Sidan ”Handbok” har granskats utan ändringar och gäller längre",
        "Något har hänt med sidan ”Handbok” (archive)",
        "Sidan ”Handbok” har tagits bort",
    ]


def test_disabled_accounts_get_no_notifications(ctx):
    """Does a disabled account stop receiving notifications?"""
    sip = page_with("Handbok", "article")
    notifications.watch(person("anna"), WatchKind.PAGE, sip)
    users.set_disabled("anna", True)
    edit(sip, "Ny text.\n", author="bo")
    notifications.notify_changes()
    assert notes_of("anna") == []


def test_routine_reminders_reach_owners_and_approvers_once(ctx):
    """Are the owning structure's watchers and the approver reminded 30 days ahead and after, each once?"""
    notifications.watch(person("anna"), WatchKind.STRUCTURE,
                        pages.get("nosam"))
    person("cecilia")
    on = today()
    # Dates as stored: valid_until, or review_by in routines saved before valid_until existed.
    soon = page_with("SIP", "routine", fields={"owner": "nosam"},
                     raw_fields={"review_by": (on + timedelta(days=30)).isoformat(), "valid_until": None,
                                 "approver": "cecilia"})
    page_with("EVI", "routine", fields={"owner": "nosam"},
              raw_fields={"valid_until": (on - timedelta(days=1)).isoformat(), "approver": ["cecilia", "okand"]})
    page_with("VIP", "routine", fields={"owner": "nosam"},
              raw_fields={"valid_until": (on + timedelta(days=31)).isoformat()})
    page_with("MCP", "routine", fields={"owner": "nosam", "status": "upphävd"},
              raw_fields={"valid_until": (on - timedelta(days=3)).isoformat()})
    assert reminders.create_reminders(on) == 4
    assert reminders.create_reminders(on) == 0, "each reminder is made once"
    assert notes_of("bo") == []
    expected = [f"Rutinen ”SIP” ska revideras senast {_long(on + timedelta(days=30))}.",
                f"Rutinen ”EVI” gällde till och med {_long(on - timedelta(days=1))} och behöver revideras."]
    assert texts_of("anna") == expected
    assert texts_of("cecilia") == expected
    # The next day VIP is 30 days away, and only that is new.
    assert reminders.create_reminders(on + timedelta(days=1)) == 1
    assert texts_of("anna")[-1] == f"Rutinen ”VIP” gäller till och med {_long(on + timedelta(days=31))}. " \
                                   "Dags att revidera den."
    [first] = notes_of("anna")[:1]
    assert (first.op, first.link, first.key) == (
        ReminderKind.ROUTINE_SOON.value, "/sida/sip",
        f"routine_soon:page:{soon.id}:{(on + timedelta(days=30)).isoformat()}")
    # A new date is a new reminder.
    soon.fields = {**soon.fields, "review_by": (on + timedelta(days=10)).isoformat()}
    db.session.commit()
    assert reminders.create_reminders(on) == 2


def _long(day) -> str:
    from kb.templating import iso_date_long

    return iso_date_long(day.isoformat())


def test_activity_reminders_reach_the_responsible_structure_and_named_users(ctx):
    """Is a due activity reminded to the responsible structure's watchers and the users named in "Ansvarig"?"""
    on = today()
    nosam = pages.get("nosam")
    notifications.watch(person("anna"), WatchKind.STRUCTURE, nosam)
    person("cecilia")
    person("david")
    plan = plan_for("samordningsgruppen")
    due = activity_in(plan, "Nätverk för SIP-samordnare", responsible="nosam",
                      responsible_text="BUP; Cecilia", deadline=on.isoformat())
    activity_in(plan, "Workshop om hemgång", responsible="nosam", deadline=on.isoformat(), status="Klart")
    activity_in(plan, "Gammal aktivitet", responsible="nosam", deadline=(on - timedelta(days=31)).isoformat())
    activity_in(plan, "Framtida aktivitet", responsible="nosam", deadline=(on + timedelta(days=1)).isoformat())
    followed = activity_in(plan, "Uppföljning av SIP", responsible_text="kontakt @david",
                           follow_up=on.strftime("%Y-%m"), deadline=(on + timedelta(days=90)).isoformat())
    assert reminders.create_reminders(on) == 3
    assert reminders.create_reminders(on) == 0
    deadline = f"Slutdatum för aktiviteten ”Nätverk för SIP-samordnare” i ”Aktivitetsplan 2026” är {on.isoformat()}. " \
               "Status: Pågår."
    assert texts_of("anna") == [deadline]
    assert texts_of("cecilia") == [deadline]
    assert [(n.text, n.link) for n in notes_of("david")] == [
        (f"Dags att följa upp aktiviteten ”Uppföljning av SIP” i ”Aktivitetsplan 2026” ({on.strftime('%Y-%m')}).",
         f"/aktiviteter/{followed.id}")]
    assert notes_of("anna")[0].link == f"/aktiviteter/{due.id}"


def test_without_a_responsible_structure_the_plans_structure_is_responsible(ctx):
    """Does an activity with only free text fall to the watchers of the structure whose plan it is in?"""
    on = today()
    group = pages.get("samordningsgruppen")
    notifications.watch(person("anna"), WatchKind.STRUCTURE, group)
    plan = plan_for("samordningsgruppen")
    activity_in(plan, "Nätverk för SIP-samordnare", responsible_text="BUP", deadline=on.isoformat())
    assert reminders.create_reminders(on) == 1
    assert [a.title for a in reminders.responsible_activities(person("anna"), on)] == ["Nätverk för SIP-samordnare"]
    assert reminders.responsible_activities(person("bo"), on) == []


def test_responsible_activities_are_those_due_within_30_days_or_late(ctx):
    """Does Min sida's activity list hold late and soon-due activities the user answers for, not done or later ones?"""
    on = today()
    plan = plan_for("samordningsgruppen")
    anna = person("anna")
    for what, days, status in (("Sen", -400, "Pågår"), ("Snart", 30, "Inte påbörjad"), ("Senare", 31, "Pågår"),
                               ("Klar", -1, "Klart")):
        activity_in(plan, what, responsible_text="anna", deadline=(on + timedelta(days=days)).isoformat(),
                    status=status)
    activity_in(plan, "Annans", responsible_text="annalena", deadline=on.isoformat())
    assert [a.title for a in reminders.responsible_activities(anna, on)] == ["Sen", "Snart"]
    plans.delete_activity(plans.get_activity(1), author="bo")
    assert [a.title for a in reminders.responsible_activities(anna, on)] == ["Snart"]


def test_only_those_who_may_read_a_page_hear_about_it(ctx):
    """Is a routine that waits for its first approval news for a watching editor, but not for a reader?"""
    if not hasattr(permissions, "can_read_page"):
        pytest.skip("the approval workflow is not in this build")
    ctx.config["APPROVAL_TYPES"] = ["routine"]
    users.set_role("bo", Role.EDITOR)
    person("cecilia", role="redaktör")
    for name in ("anna", "bo"):
        notifications.watch(person(name), WatchKind.PAGE_TYPE, "routine")
    page_with("SIP", "routine", author="cecilia")
    notifications.notify_changes()
    assert notes_of("anna") == []
    [note] = notes_of("bo")
    assert "rutinen ”SIP”" in note.text


def test_kb_demo_leaves_the_administrator_with_watches_and_notifications(app):
    """After `kb demo`, does admin watch two structures and have a few notifications on Min sida?"""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = person("admin")
        assert [i.label for i in notifications.watches_of(admin)] == ["NOSAM Lerum", "Samordningsgruppen"]
        texts = [n.text for n in notifications.recent(admin)]
        assert "Strukturen ”NOSAM Lerum” har skapats" in texts
        assert 2 <= len(texts) <= 20
        assert notifications.unread_count(admin) == len(texts)
