"""Checking a username and password against an LDAP directory (Active Directory, OpenLDAP) with ldap3.

Two ways to find the person, as the IT department prefers:
- a DN template (KB_LDAP_USER_DN): bind directly as "uid={username},ou=people,dc=…" or, for Active
  Directory, as "{username}@region.se";
- a search (KB_LDAP_BIND_DN and KB_LDAP_BIND_PASSWORD, a service account): look the person up under
  KB_LDAP_BASE_DN with KB_LDAP_USER_FILTER, then bind as the entry found.

Either way the password is checked by binding as the person; kb never reads or stores it. Groups come
from an attribute on the person's entry (KB_LDAP_GROUP_ATTRIBUTE, "memberOf" as in Active Directory)
and, if KB_LDAP_GROUP_FILTER is set, from a search for groups naming the person ("(member={dn})").
KB_LDAP_START_TLS upgrades ldap:// with StartTLS; ldaps:// is TLS from the start; KB_LDAP_CA_FILE names
the CA to trust. Certificates are always checked.
"""
from __future__ import annotations

import ssl
from collections.abc import Mapping

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from kb.constants import AuthSource
from kb.exceptions import ServiceError
from kb.services.identity import Identity

UNAVAILABLE = ("Katalogtjänsten (LDAP) svarar inte just nu, så inloggningen kunde inte kontrolleras. "
               "Försök igen om en stund eller kontakta it-avdelningen.")
MISCONFIGURED = "Inloggningen via LDAP är felaktigt inställd. Kontakta kunskapsbankens administratör."


class BadCredentials(ServiceError):
    """Unknown user or wrong password (the two are never told apart)."""


class DirectoryUnavailable(ServiceError):
    """The directory could not be asked: down, TLS refused, or a setting is wrong. `detail` says which
    (for the audit log); the message is safe to show."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail[:300]


def _server(config: Mapping[str, object]) -> ldap3.Server:
    url = str(config.get("LDAP_URL") or "")
    ca_file = str(config.get("LDAP_CA_FILE") or "") or None
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file, version=ssl.PROTOCOL_TLS_CLIENT)
    timeout = float(config.get("LDAP_TIMEOUT") or 10)
    return ldap3.Server(url, use_ssl=url.lower().startswith("ldaps://"), tls=tls, connect_timeout=timeout,
                        get_info=ldap3.NONE)


def _connect(server: ldap3.Server, config: Mapping[str, object], user: str | None, password: str | None
             ) -> ldap3.Connection:
    """A bound connection (StartTLS first where configured); BadCredentials on a refused bind."""
    conn = ldap3.Connection(server, user=user, password=password, raise_exceptions=False,
                            receive_timeout=max(1, int(float(config.get("LDAP_TIMEOUT") or 10))), read_only=True,
                            auto_referrals=False)
    try:
        conn.open()
        if config.get("LDAP_START_TLS") and not server.ssl:
            conn.start_tls()
        if not conn.bind():
            _close(conn)
            raise BadCredentials("bind refused")
    except ldap_errors.LDAPPasswordIsMandatoryError:
        _close(conn)
        raise BadCredentials("empty password") from None
    except (ldap_errors.LDAPSocketOpenError, ldap_errors.LDAPSocketReceiveError, ldap_errors.LDAPStartTLSError,
            ldap_errors.LDAPSocketSendError, ldap_errors.LDAPSessionTerminatedByServerError) as exc:
        _close(conn)
        raise DirectoryUnavailable(UNAVAILABLE, f"{type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        _close(conn)
        raise DirectoryUnavailable(UNAVAILABLE, f"TLS: {exc}") from None
    return conn


def _close(conn: ldap3.Connection) -> None:
    """Close a connection, also one whose socket ldap3 already dropped (after a failed StartTLS)."""
    try:
        conn.unbind()
    except (ldap_errors.LDAPException, OSError):
        pass


def _first(values) -> str:
    if isinstance(values, list | tuple):
        return str(values[0]) if values else ""
    return "" if values is None else str(values)


def _external_id(entry, dn: str, id_attribute: str) -> str:
    raw = entry.get(id_attribute) if id_attribute else None
    value = raw[0] if isinstance(raw, list | tuple) and raw else raw
    if isinstance(value, bytes):  # Active Directory's objectGUID is 16 bytes
        return value.hex()
    return str(value) if value else dn.lower()


def authenticate(username: str, password: str, config: Mapping[str, object]) -> Identity:
    """Check `username` and `password` against the directory; the person as an Identity.

    An empty password is refused before asking: LDAP treats a bind with a name and no password as an
    anonymous bind, which "succeeds".
    """
    name = (username or "").strip()
    if not name or not password or len(name) > 256 or any(ord(ch) < 32 for ch in name):
        raise BadCredentials("empty or malformed")
    server = _server(config)
    template = str(config.get("LDAP_USER_DN") or "")
    attributes = [a for a in (str(config.get("LDAP_NAME_ATTRIBUTE") or ""), str(config.get("LDAP_EMAIL_ATTRIBUTE")
                  or ""), str(config.get("LDAP_GROUP_ATTRIBUTE") or ""), str(config.get("LDAP_ID_ATTRIBUTE") or ""),
                  str(config.get("LDAP_ORGANISATION_ATTRIBUTE") or ""), "cn") if a]
    if template:
        dn = template.replace("{username}", escape_rdn(name) if "=" in template else name)
        conn = _connect(server, config, dn, password)
        entry, dn = _read_self(conn, config, name, dn, attributes)
    elif config.get("LDAP_BASE_DN"):
        dn, _ = _search_user(server, config, name, attributes)
        conn = _connect(server, config, dn, password)
        entry, dn = _read_self(conn, config, name, dn, attributes)
    else:
        raise DirectoryUnavailable(MISCONFIGURED, "varken KB_LDAP_USER_DN eller KB_LDAP_BASE_DN är satt")
    try:
        groups = [str(g) for g in _list(entry.get(str(config.get("LDAP_GROUP_ATTRIBUTE") or "")))]
        if config.get("LDAP_GROUP_FILTER"):
            groups += _search_groups(conn, config, dn, name)
    finally:
        _close(conn)
    return Identity(source=AuthSource.LDAP, external_id=_external_id(entry, dn, str(config.get("LDAP_ID_ATTRIBUTE")
                    or "")), username_hint=name, name=_first(entry.get(str(config.get("LDAP_NAME_ATTRIBUTE") or "")))
                    or _first(entry.get("cn")), email=_first(entry.get(str(config.get("LDAP_EMAIL_ATTRIBUTE") or ""))),
                    groups=tuple(dict.fromkeys(groups)), provider=str(config.get("LDAP_NAME") or ""),
                    organisation=_first(entry.get(str(config.get("LDAP_ORGANISATION_ATTRIBUTE") or ""))) or "")


def _list(values) -> list:
    if values is None:
        return []
    return list(values) if isinstance(values, list | tuple) else [values]


def _search_user(server: ldap3.Server, config: Mapping[str, object], name: str, attributes: list[str]
                 ) -> tuple[str, dict]:
    """Find the person's DN with the service account (or anonymously if none is set)."""
    bind_dn = str(config.get("LDAP_BIND_DN") or "") or None
    try:
        conn = _connect(server, config, bind_dn, str(config.get("LDAP_BIND_PASSWORD") or "") or None)
    except BadCredentials:
        raise DirectoryUnavailable(MISCONFIGURED, "tjänstekontot (KB_LDAP_BIND_DN) kunde inte logga in") from None
    try:
        query = str(config.get("LDAP_USER_FILTER") or "").replace("{username}", escape_filter_chars(name))
        try:
            conn.search(str(config.get("LDAP_BASE_DN")), query, search_scope=ldap3.SUBTREE, attributes=attributes,
                        size_limit=2)
        except ldap_errors.LDAPException as exc:
            raise DirectoryUnavailable(MISCONFIGURED, f"sökningen misslyckades: {exc}") from None
        found = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    finally:
        _close(conn)
    if len(found) != 1:  # nobody, or a filter that matches more than one person
        raise BadCredentials("no unique entry")
    return found[0]["dn"], dict(found[0].get("attributes") or {})


def _read_self(conn: ldap3.Connection, config: Mapping[str, object], name: str, dn: str, attributes: list[str]
               ) -> tuple[dict, str]:
    """The person's own entry, read as the person. With a DN template such as "{username}@region.se"
    (Active Directory) the bind name is no DN: then look the entry up under the base DN."""
    try:
        if "=" in dn and "@" not in dn.split(",")[0]:
            conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=attributes)
        elif config.get("LDAP_BASE_DN"):
            query = str(config.get("LDAP_USER_FILTER") or "").replace("{username}", escape_filter_chars(name))
            conn.search(str(config.get("LDAP_BASE_DN")), query, search_scope=ldap3.SUBTREE, attributes=attributes,
                        size_limit=2)
        else:
            return {}, dn
    except ldap_errors.LDAPException as exc:
        raise DirectoryUnavailable(UNAVAILABLE, f"läsning av användaren misslyckades: {exc}") from None
    found = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    if len(found) != 1:
        return {}, dn
    return dict(found[0].get("attributes") or {}), found[0]["dn"]


def _search_groups(conn: ldap3.Connection, config: Mapping[str, object], dn: str, name: str) -> list[str]:
    """DNs of the groups that name the person (KB_LDAP_GROUP_FILTER, e.g. "(member={dn})")."""
    query = (str(config.get("LDAP_GROUP_FILTER") or "").replace("{dn}", escape_filter_chars(dn))
             .replace("{username}", escape_filter_chars(name)))
    base = str(config.get("LDAP_GROUP_BASE_DN") or config.get("LDAP_BASE_DN") or "")
    try:
        conn.search(base, query, search_scope=ldap3.SUBTREE, attributes=[])
    except ldap_errors.LDAPException as exc:
        raise DirectoryUnavailable(UNAVAILABLE, f"gruppsökningen misslyckades: {exc}") from None
    return [e["dn"] for e in conn.response or [] if e.get("type") == "searchResEntry"]
