"""The `slapd` fixture itself, with plain ldap3: binds, the service account's search, memberOf, TLS.

These pin down what kb's LDAP sign-in may rely on from the test server, so a failure here means the
fixture (or slapd, or ldap3) changed, not kb.
"""
from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException, LDAPPasswordIsMandatoryError
from ldap3.utils.conv import escape_filter_chars

pytestmark = pytest.mark.ldap

# What an Active-Directory-like configuration of kb would use against this server.
USER_FILTER = "(&(objectClass=inetOrgPerson)(uid={username}))"
GROUP_FILTER = "(&(objectClass=groupOfNames)(member={user_dn}))"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@contextmanager
def connection(url: str, dn: str | None = None, password: str | None = None, tls: ldap3.Tls | None = None,
               get_info: str = ldap3.NONE) -> Iterator[ldap3.Connection]:
    """A not yet opened ldap3 connection that is closed afterwards, whatever happened."""
    conn = ldap3.Connection(ldap3.Server(url, tls=tls, get_info=get_info, connect_timeout=5), dn, password,
                            receive_timeout=10)
    try:
        yield conn
    finally:
        try:
            conn.unbind()
        except LDAPException:  # after a failed StartTLS ldap3 has closed the socket but still unbinds on it
            pass


def can_bind(url: str, dn: str, password: str) -> bool:
    with connection(url, dn, password) as conn:
        if conn.bind():
            return True
        assert conn.result["description"] == "invalidCredentials"
        return False


def trusting(slapd) -> ldap3.Tls:
    """TLS settings that validate the server certificate against the fixture's CA."""
    return ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=slapd.ca_file)


def test_user_binds_with_the_right_password_only(slapd):
    uid = unique("anna")
    dn = slapd.add_user(uid, "rätt lösenord", "Anna Andersson", mail=f"{uid}@kb.test")
    assert dn == f"uid={uid},{slapd.users_dn}"

    with connection(slapd.url, dn, "rätt lösenord") as conn:
        assert conn.bind()
        assert conn.extend.standard.who_am_i() == f"dn:{dn}"
    assert not can_bind(slapd.url, dn, "fel lösenord")
    assert not can_bind(slapd.url, slapd.user_dn(unique("nobody")), "rätt lösenord")
    # ldap3 itself refuses a simple bind with an empty password (an "unauthenticated bind" succeeds on AD).
    with connection(slapd.url, dn, "") as conn, pytest.raises(LDAPPasswordIsMandatoryError):
        conn.bind()

    slapd.set_password(uid, "nytt lösenord")
    assert not can_bind(slapd.url, dn, "rätt lösenord")
    assert can_bind(slapd.url, dn, "nytt lösenord")


def test_service_account_finds_a_user_and_binds_as_them(slapd):
    uid = unique("bertil")
    dn = slapd.add_user(uid, "hemligt", "Bertil Berg", mail=f"{uid}@kb.test", displayName="Bertil B.")
    # get_info=SCHEMA (ldap3's default) reads the root DSE and schema after the bind, as kb's client may.
    with connection(slapd.url, slapd.service_dn, slapd.service_password, get_info=ldap3.SCHEMA) as conn:
        assert conn.bind()
        conn.search(slapd.users_dn, USER_FILTER.format(username=escape_filter_chars(uid)),
                    attributes=["uid", "cn", "mail", "displayName", "userPassword"])
        assert [entry.entry_dn for entry in conn.entries] == [dn]
        entry = conn.entries[0]
        assert (entry.cn.value, entry.mail.value, entry.displayName.value) == (
            "Bertil Berg", f"{uid}@kb.test", "Bertil B.")
        assert not entry.userPassword.values  # only the rootdn reads passwords
        # Search, then bind as the user found, on the same connection.
        assert conn.rebind(dn, "hemligt")
        assert conn.extend.standard.who_am_i() == f"dn:{dn}"

    with connection(slapd.url) as anonymous:  # anonymous may bind, but sees nothing
        assert anonymous.bind()
        assert not anonymous.search(slapd.users_dn, f"(uid={uid})")


def test_member_of_follows_group_changes(slapd):
    uid, other = unique("cecilia"), unique("david")
    dn = slapd.add_user(uid, "pw", "Cecilia Carlsson")
    other_dn = slapd.add_user(other, "pw", "David Dahl")
    editors_cn, admins_cn = unique("redaktorer"), unique("admins")
    editors = slapd.add_group(editors_cn, [uid, other])
    admins = slapd.add_group(admins_cn, [])  # empty: holds only the placeholder member
    assert slapd.members(admins_cn) == []
    assert slapd.member_of(uid) == [editors]

    slapd.add_to_group(admins_cn, uid)
    assert sorted(slapd.member_of(uid)) == sorted([editors, admins])
    assert slapd.members(admins_cn) == [dn]

    with connection(slapd.url, dn, "pw") as conn:  # as the user, as with a DN template
        assert conn.bind()
        # memberOf is operational in OpenLDAP: asked for by name it comes, "*" leaves it out.
        conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=["*"])
        assert "memberOf" not in conn.entries[0].entry_attributes
        conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=["memberOf"])
        assert sorted(conn.entries[0].memberOf.values) == sorted([editors, admins])
        # The alternatives: a group search, and a filter on memberOf.
        conn.search(slapd.groups_dn, GROUP_FILTER.format(user_dn=escape_filter_chars(dn)), attributes=["cn"])
        assert sorted(entry.entry_dn for entry in conn.entries) == sorted([editors, admins])
        conn.search(slapd.users_dn, f"(&(objectClass=inetOrgPerson)(memberOf={escape_filter_chars(admins)}))")
        assert [entry.entry_dn for entry in conn.entries] == [dn]

    slapd.remove_from_group(admins_cn, uid)
    assert slapd.member_of(uid) == [editors]
    assert slapd.members(admins_cn) == []
    slapd.add_to_group(admins_cn, uid)
    slapd.delete_group(admins_cn)
    assert slapd.member_of(uid) == [editors]
    slapd.delete_user(uid)
    assert slapd.members(editors_cn) == [other_dn]


def test_starttls_and_ldaps_with_the_ca_file(slapd):
    with connection(slapd.url, slapd.service_dn, slapd.service_password, tls=trusting(slapd)) as conn:
        conn.open()
        assert conn.start_tls()
        assert conn.bind()
        assert conn.tls_started

    with connection(slapd.ldaps_url, slapd.service_dn, slapd.service_password, tls=trusting(slapd)) as conn:
        assert conn.bind()
        assert conn.server.ssl


def test_tls_fails_certificate_validation_without_the_ca_file(slapd):
    untrusting = ldap3.Tls(validate=ssl.CERT_REQUIRED)  # the system's CAs only
    with connection(slapd.url, slapd.service_dn, slapd.service_password, tls=untrusting) as conn:
        conn.open()
        with pytest.raises(LDAPException, match="CERTIFICATE_VERIFY_FAILED"):
            conn.start_tls()

    with connection(slapd.ldaps_url, slapd.service_dn, slapd.service_password, tls=untrusting) as conn:
        with pytest.raises(LDAPException, match="CERTIFICATE_VERIFY_FAILED"):
            conn.bind()
