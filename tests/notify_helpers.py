"""Helpers for the watch and notification tests: people, structures, routines, plans, a local SMTP server."""
from __future__ import annotations

import asyncio
import email
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from factories import PASSWORD

from kb.constants import Role
from kb.extensions import db
from kb.services import pages, plans, users
from scripts.kbdemo import free_port


def person(name: str, *, email_address: str = "", role: str = "läsare"):
    """A user account (with an e-mail address, if given)."""
    user = users.get(name) or users.create(name, PASSWORD, Role.parse(role))
    if email_address:
        users.set_email(name, email_address)
    return user


def page_with(title: str, type: str = "article", *, fields: dict | None = None, author: str = "testare",
              raw_fields: dict | None = None):
    """A page made through the service; `raw_fields` are then stored as they are (None removes a field)."""
    page = pages.create_page(pages.PageData(title=title, type=type, source="Text.\n", fields=fields or {}),
                             author=author)
    if raw_fields:
        merged = {**(page.fields or {}), **raw_fields}
        page.fields = {k: v for k, v in merged.items() if v is not None}
        db.session.commit()
    return page


def edit(page, text: str, author: str):
    """Save a new version of a page with new text, by `author`."""
    data = pages.PageData(title=page.title, type=page.type, source=text, summary=page.summary,
                          fields=dict(page.fields or {}))
    return pages.update_page(page, data, base_revision=page.revision_number, author=author)


def plan_for(structure_slug: str, title: str = "Aktivitetsplan 2026", author: str = "testare"):
    """An action plan of a structure."""
    return plans.create_plan(plans.PlanData(title=title, structure=structure_slug, period="2026"), author=author)


def activity_in(plan, what: str, author: str = "testare", **kw):
    """An activity in a plan."""
    data = {"goal": "Öka tilliten", "what": what, "status": "Pågår", **kw}
    return plans.create_activity(plan, plans.ActivityData(**data), author=author)


@dataclass
class Inbox:
    """What the local SMTP server received: (recipients, parsed message) pairs."""

    port: int = 0
    delay: float = 0.0
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        """Keep the message (after an optional delay, so that concurrent senders overlap)."""
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages delivered to one address."""
        return [m for rcpts, m in self.messages if address in rcpts]


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 and a free port; `with SmtpServer() as inbox: ...`."""

    def __init__(self, port: int | None = None, **options) -> None:
        self.inbox = Inbox(port=port or free_port())
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.inbox.port, **options)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self.inbox

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def mail_config(port: int) -> dict:
    """App config for sending through the local server."""
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_FROM": "kb@example.se",
            "BASE_URL": "https://kb.example.se", "SMTP_TIMEOUT": 5}


def body(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
