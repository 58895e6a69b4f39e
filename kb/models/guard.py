"""The last line of defence against patient data: no personnummer reaches the database.

Before every flush, each new or changed row of a model is searched with kb.pii: every String and
Text column, and every string inside a JSON column (keys too). For a changed row only the columns
that changed are searched, so a row stored before this guard existed can still be touched. A value
holding a personnummer or samordningsnummer stops the flush with `PersonalDataError`, a
ValidationError naming the column in Swedish; the services check the fields people type first, with
messages at the field, so this should rarely be what a user sees.

Nothing half-written is kept: the session is rolled back before the error is raised, except where
SQLAlchemy does not allow that (inside `commit()`, or inside a savepoint, which belongs to its
caller). There the refused rows stay in the session, so nothing can be flushed until the caller rolls
back (kb.errorpages does for a request, `changes.commit` for the services, a savepoint's owner for its part).

Two lists make the exceptions explicit (tests/test_pii_guard.py checks them against the models):
- EXEMPT: columns whose content no one writes (hashes, tokens, checksums, detected types);
- MASKED: columns written automatically from what someone typed (the audit log, login attempts): a
  number there is masked (kb.pii.mask) instead of refused, so a login or a refused save is still
  recorded, never fails for it, and the number is not kept.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import JSON, String, event, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from kb import pii
from kb.exceptions import ValidationError

# "table.column": why the column is not searched.
EXEMPT: dict[str, str] = {
    "user_account.password_hash": "a scrypt hash of the password, made by kb, never shown",
    "user_account.session_token": "a random token made by kb",
    "attachment_version.sha256": "the file's checksum (hexadecimal digits) computed by kb",
    "attachment_version.media_type": "chosen by kb from a fixed list after reading the file's content",
    "password_reset.token_hash": "the SHA-256 (hexadecimal digits) of a random token made by kb",
    "user_account.external_id": ("the identity provider's id for the person; one holding a personnummer is "
                                 "stored as its SHA-256 (kb.services.sign_in.stable_id)"),
}

# "table.column": why a number there is masked instead of refused.
MASKED: dict[str, str] = {
    "login_attempt.username": "what someone typed on the login form",
    "login_attempt.remote_addr": "taken from the request (forwarded headers)",
    "audit_event.actor": "the name typed on the login form, for failed logins",
    "audit_event.target": "what an event concerns, e.g. the name typed on the login form",
    "audit_event.detail": "may quote input that was refused",
    "audit_event.remote_addr": "taken from the request (forwarded headers)",
    "password_reset.requested_for": "what someone typed on the Glömt lösenordet? form",
    "password_reset.remote_addr": "taken from the request (forwarded headers)",
    "user_account.groups_json": "the groups the identity provider named at the last sign-in",
}

# "table.column": the form field a refusal belongs to, when it is not the column's own name
# (derived columns are reported at the field they are made from).
REPORTED_AS: dict[str, str] = {
    "page.html": "source",
    "page.text": "source",
    "revision.html": "source",
    "attachment_version.text": "file",
}

# Swedish names for the messages.
TABLE_LABELS: dict[str, str] = {
    "action_plan": "aktivitetsplan",
    "area": "område",
    "area_grant": "roll i område",
    "activity": "aktivitet",
    "attachment": "bilaga",
    "attachment_version": "bilageversion",
    "audit_event": "händelselogg",
    "change": "ändringslogg",
    "collaboration_plan": "samverkansplan",
    "glossary_revision": "ordlistans historik",
    "glossary_term": "ordlista",
    "group_role": "roll från grupp",
    "link_check": "länkkontroll",
    "login_attempt": "inloggningsförsök",
    "notification": "avisering",
    "notification_digest": "e-postutskick",
    "organisation": "organisation",
    "page": "sida",
    "page_flag": "felrapport",
    "page_link": "länk mellan sidor",
    "page_review": "granskning",
    "page_template": "sidmall",
    "page_view_month": "sidvisningar",
    "password_reset": "länk för nytt lösenord",
    "plan_revision": "planhistorik",
    "required_reading": "obligatorisk läsning",
    "revision": "sidversion",
    "search_week": "sökstatistik",
    "slug_alias": "tidigare adress",
    "user_account": "användarkonto",
    "watch": "bevakning",
}
COLUMN_LABELS: dict[str, str] = {
    "action": "händelse",
    "actor": "utförd av",
    "adopted": "fastställd",
    "approval_comment": "förändringar sedan föregående version",
    "approved_by": "fastställd av",
    "auth_source": "inloggningssätt",
    "author": "ändrad av",
    "comment": "kommentar",
    "created_by": "rapporterad av",
    "data": "innehåll",
    "deadline": "slutdatum",
    "decision": "beslut",
    "description": "beskrivning",
    "display_name": "namn som visas",
    "email": "e-postadress",
    "entity": "typ av post",
    "error": "fel",
    "expansion": "förklaring",
    "extraction": "textläsning",
    "extraction_message": "meddelande om textläsningen",
    "fields": "faktaruta",
    "focus_areas": "fokusområden",
    "follow_up": "uppföljning",
    "goal": "mål",
    "goals": "mål",
    "group_key": "grupp",
    "group_name": "grupp",
    "group_role": "roll från grupp",
    "groups_json": "grupper",
    "hand_role": "roll given för hand",
    "how": "hur",
    "html": "text",
    "key": "nyckel",
    "kind": "typ",
    "link": "länk",
    "name": "namn",
    "name_key": "namn",
    "note": "rapport",
    "op": "ändringstyp",
    "organisation_key": "organisation",
    "query": "sökning",
    "page_ids": "sidor",
    "resolution": "åtgärd",
    "resolved_by": "åtgärdad av",
    "responsible_text": "ansvarig",
    "return_reason": "skäl till återsändning",
    "returned_by": "återsänd av",
    "reviewed_by": "granskad av",
    "role": "roll",
    "slug": "adress",
    "source": "text",
    "start": "start",
    "state": "status",
    "status": "status",
    "subgoal": "delmål",
    "summary": "sammanfattning",
    "tags": "etiketter",
    "target": "bevakar",
    "target_groups": "målgrupper",
    "target_slug": "länkad adress",
    "term": "begrepp",
    "text": "text",
    "title": "titel",
    "type": "typ",
    "updated_by": "ändrad av",
    "uploader": "uppladdad av",
    "url": "webbadress",
    "username": "användarnamn",
    "what": "vad",
}


class PersonalDataError(ValidationError):
    """A value about to be stored holds a personnummer or samordningsnummer; nothing was stored.

    `errors` maps the field (the column's name, or REPORTED_AS) to a Swedish message; `columns`
    lists the refused columns as "table.column".
    """

    def __init__(self, errors: dict[str, str], columns: list[str]):
        super().__init__(errors)
        self.columns = columns


def is_text(column) -> bool:
    """Whether a column holds text the guard searches (String, Text, or JSON with strings inside)."""
    return isinstance(column.type, String | JSON)


def strings_in(value: object) -> Iterator[str]:
    """Every string in a column value: the value itself, or each string (keys too) inside JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def label(table: str, column: str) -> str:
    """A column's Swedish name for messages: "Kommentar (sidversion)"."""
    name = COLUMN_LABELS.get(column, column)
    return f"{name[:1].upper()}{name[1:]} ({TABLE_LABELS.get(table, table)})"


def _changed_values(obj) -> Iterator[tuple[str, str, str, object]]:
    """(table, column, attribute key, value) for each text column of `obj` to search: every column
    of a new row, the changed columns of an existing one. Unloaded (deferred) columns are skipped:
    they did not change."""
    state = inspect(obj)
    for prop in state.mapper.column_attrs:
        column = prop.columns[0]
        if column.table is None or not is_text(column):
            continue
        if state.pending or state.transient:
            if prop.key not in state.dict:
                continue
            value = state.dict[prop.key]
        else:
            history = state.attrs[prop.key].history
            if not history.added:
                continue
            value = history.added[0]
        if value is not None:
            yield column.table.name, column.name, prop.key, value


def refusals(session: Session) -> tuple[dict[str, str], list[str]]:
    """Mask the MASKED columns of the session's new and changed rows; return the refusals of the
    rest, as ({field: Swedish message}, ["table.column", …])."""
    errors: dict[str, str] = {}
    columns: list[str] = []
    for obj in (*session.new, *session.dirty):
        for table, column, key, value in _changed_values(obj):
            name = f"{table}.{column}"
            if name in EXEMPT:
                continue
            if name in MASKED:
                if isinstance(value, str) and pii.find_personal_numbers(value):
                    setattr(obj, key, pii.mask(value))
                continue
            findings = pii.find_personal_numbers("\n".join(strings_in(value)))
            if findings:
                columns.append(name)
                errors.setdefault(REPORTED_AS.get(name, column), pii.describe(findings, label(table, column)))
    return errors, columns


@event.listens_for(Session, "before_flush")
def refuse_personal_numbers(session: Session, flush_context, instances) -> None:
    """Stop a flush that would store a personal number (see the module docstring)."""
    errors, columns = refusals(session)
    if not errors:
        return
    if not session.in_nested_transaction():
        try:
            session.rollback()
        except sa_exc.IllegalStateChangeError:  # inside commit(): its caller rolls back
            pass
    raise PersonalDataError(errors, columns)
