"""Who an identity provider says signed in (kept apart so the provider modules and
kb.services.sign_in can share it without importing each other)."""
from __future__ import annotations

from dataclasses import dataclass, field

from kb.constants import AuthSource


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    source: AuthSource
    # The provider's stable id for the person (OIDC: issuer and subject; LDAP: the entry's UUID or DN).
    external_id: str
    # What to call the account if it is new ("anna.svensson"); made unique here.
    username_hint: str
    name: str = ""
    email: str = ""
    groups: tuple[str, ...] = field(default_factory=tuple)
    # The provider as people know it ("Västra Götalandsregionen"), for the audit log.
    provider: str = ""
    # The organisation the person works for, by key or name (a claim or directory attribute); "" unknown.
    organisation: str = ""


def provider_label(identity: Identity) -> str:
    """"OpenID Connect (Region X)" for the audit log."""
    return f"{identity.source.label} ({identity.provider})" if identity.provider else identity.source.label
