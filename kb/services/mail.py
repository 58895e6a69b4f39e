"""Sending e-mail over SMTP: the one place in kb that talks to a mail server.

Configured by SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_FROM and SMTP_STARTTLS
(the KB_SMTP_* variables); without SMTP_HOST nothing is sent. Every failure is raised as a
`MailError` with a Swedish message.
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from types import TracebackType

from kb.exceptions import ServiceError


class MailError(ServiceError):
    """Mail could not be sent (or is configured wrongly); the message is Swedish."""


@dataclass(frozen=True)
class MailSettings:
    """How to reach the mail server, and where links in mail point."""

    host: str
    port: int
    user: str
    password: str
    sender: str
    starttls: bool
    timeout: float
    base_url: str

    def problem(self) -> str | None:
        """What is missing for mail to work (Swedish), or None."""
        if not self.sender or "@" not in self.sender:
            return "KB_SMTP_FROM saknas eller är ingen e-postadress (avsändaren, t.ex. kb@lerum.se)."
        if not self.base_url.startswith(("http://", "https://")):
            return ("KB_BASE_URL saknas eller börjar inte med http:// eller https:// "
                    "(kunskapsbankens adress, som länkarna i e-posten pekar på).")
        return None


def settings_from(config: Mapping[str, object]) -> MailSettings | None:
    """The mail settings in an app config, or None when no SMTP server is configured."""
    host = str(config.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    def text(key: str) -> str:
        return str(config.get(key) or "")

    return MailSettings(host=host, port=int(config.get("SMTP_PORT") or 25), user=text("SMTP_USER"),
                        password=text("SMTP_PASSWORD"), sender=text("SMTP_FROM"),
                        starttls=bool(config.get("SMTP_STARTTLS")), base_url=text("BASE_URL").rstrip("/"),
                        timeout=float(config.get("SMTP_TIMEOUT") or 30))


def message(settings: MailSettings, *, to: str, to_name: str, subject: str, body: str,
            headers: Mapping[str, str] | None = None) -> EmailMessage:
    """A plain-text UTF-8 message from kb."""
    msg = EmailMessage()
    msg["From"] = formataddr(("Kunskapsbanken", settings.sender))
    msg["To"] = formataddr((to_name, to)) if to_name else to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    # Tells mail programs and servers that nobody typed this, so they do not auto-reply.
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


class Mailer:
    """One SMTP connection for a run, opened on the first message: `with Mailer(s) as m: m.send(msg)`."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Send one message; MailError (Swedish) if the server cannot be reached or refuses it."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            where = f"{self.settings.host}:{self.settings.port}"
            reason = f"{type(exc).__name__}: {exc}"
            raise MailError(f"e-postservern {where} svarade inte som väntat ({reason})") from exc
        if refused:
            raise MailError(f"e-postservern tog inte emot brevet till {', '.join(refused)}")

    def close(self) -> None:
        """Close the connection (quietly: it may already be gone)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
