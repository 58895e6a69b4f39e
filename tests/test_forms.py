"""Forms speak Swedish: the messages WTForms writes itself come from its Swedish catalogue, in every form."""
from __future__ import annotations

import importlib
import pkgutil
import re
from html import unescape

import pytest
from factories import make_page
from wtforms import Form

import kb
from kb.forms import KbBaseForm, KbForm
from kb.pages.forms import conflicts_form, facts_form
from kb.services import plans

ENGLISH = ("Not a valid", "This field is required", "Invalid input", "is not a valid choice", "Invalid CSRF")


def shown_errors(response) -> list[str]:
    """The field messages a person reads on the page."""
    html = response.get_data(as_text=True)
    return [unescape(m).strip() for m in re.findall(r'<p class="error" id="[^"]+">([^<]*)', html)]


def kb_form_classes() -> list[type]:
    """Every form class defined in kb (every module imported, so none is missed)."""
    for module in pkgutil.walk_packages(kb.__path__, "kb."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = [], [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("kb.") and sub.__module__ != "kb.forms":
                found.append(sub)
    return found


def test_every_form_class_takes_wtforms_swedish_messages(app):
    """Is every form in kb built on KbForm (or KbBaseForm), so that no message of WTForms' own is English?"""
    classes = kb_form_classes()
    assert len(classes) > 25  # the collector finds kb's forms
    english = [f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, (KbForm, KbBaseForm))]
    assert not english
    with app.test_request_context("/"):
        built = [facts_form("routine"), conflicts_form([1]), *(c() for c in classes if issubclass(c, KbForm))]
        for form in built:
            assert form.meta.get_translations(form).gettext("Not a valid choice.") == "Inte ett giltigt val"


def test_a_date_the_audit_log_cannot_read_is_explained_in_swedish(admin):
    """Filtering the audit log from "igår" or 30 February, or by an unknown event: are the fields' messages
    Swedish, never "Not a valid date value."?"""
    resp = admin.get("/admin/logg?since=igår&until=2026-02-30&action=kung")
    assert resp.status_code == 200
    assert shown_errors(resp) == ["Inte ett giltigt val", "Inte ett giltigt datum", "Inte ett giltigt datum"]
    assert not any(text in resp.get_data(as_text=True) for text in ENGLISH)


def test_an_unknown_role_for_a_new_account_is_refused_in_swedish(admin):
    """Does a tampered role in "Skapa användare" get a Swedish message, never "Not a valid choice."?"""
    resp = admin.post("/admin/anvandare", data={"username": "bo", "display_name": "Bo", "role": "kung",
                                                "password": "Rätt-häftig-fras-2026"})
    assert resp.status_code == 422
    assert shown_errors(resp) == ["Inte ett giltigt val"]
    assert not any(text in resp.get_data(as_text=True) for text in ENGLISH)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("deadline", "31 feb 2025", "Dagen ”31 feb 2025” finns inte i kalendern."),
    ("start", "snart", "”snart” är inget datum."),
    ("status", "lila", "Okänd status ”lila”."),
])
def test_a_bad_date_or_status_in_an_activity_is_explained_in_swedish(app, client, field, value, message):
    """Does a new activity with a date or status kb cannot read get a Swedish message at its field?"""
    with app.app_context():
        make_page("Samordningsgruppen", type="structure")
        plan = plans.create_plan(plans.PlanData("Aktivitetsplan 2026", "samordningsgruppen", "2026"), author="anna")
        slug = plan.slug
    data = {"goal": "Öka tilliten", "what": "Nätverk för SIP-samordnare", "status": "in_progress", field: value}
    resp = client.post(f"/planer/{slug}/ny-aktivitet", data=data)
    assert resp.status_code == 422
    assert any(shown.startswith(message) for shown in shown_errors(resp)), shown_errors(resp)
    assert not any(text in resp.get_data(as_text=True) for text in ENGLISH)
