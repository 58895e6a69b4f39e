"""A throwaway OpenLDAP server (Debian's slapd) for the LDAP sign-in tests; never for real data.

`Slapd(workdir).start()` writes a slapd.conf, a self-signed CA with a server certificate (SAN IP
127.0.0.1 and DNS localhost) and an empty mdb database under `workdir`, runs /usr/sbin/slapd in the
foreground on two free loopback ports (`url`: ldap:// with StartTLS, `ldaps_url`: ldaps://) and
seeds this tree:

    dc=kb,dc=test                      base_dn
      cn=admin,dc=kb,dc=test           admin_dn: slapd's rootdn (no entry; bypasses the ACLs)
      ou=people                        users_dn: inetOrgPerson entries uid=<uid> (add_user)
      ou=groups                        groups_dn: groupOfNames entries cn=<cn> (add_group)
      ou=system
        cn=kb-service                  service_dn: the service account that searches for kb

The memberof overlay keeps an Active-Directory-like `memberOf` on each user entry, naming the groups
whose `member` holds the user's DN (direct membership only). In OpenLDAP `memberOf` is an operational
attribute: a search returns it only when asked for by name (or with "+"), never for "*".

Access: anonymous may only bind (and read the root DSE and schema); every bound user, the service
account included, may read and search the tree except passwords; only the rootdn writes.

Needs only slapd itself (not ldap-utils); the helpers use ldap3 and the certificates `cryptography`.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

SLAPD_CANDIDATES = ("/usr/sbin/slapd", "/usr/local/libexec/slapd")
MODULE_DIR = Path("/usr/lib/ldap")
SCHEMA_DIR = Path("/etc/ldap/schema")
SCHEMAS = ("core", "cosine", "inetorgperson")

BASE_DN = "dc=kb,dc=test"
ADMIN_DN = f"cn=admin,{BASE_DN}"
USERS_DN = f"ou=people,{BASE_DN}"
GROUPS_DN = f"ou=groups,{BASE_DN}"
SYSTEM_DN = f"ou=system,{BASE_DN}"
SERVICE_DN = f"cn=kb-service,{SYSTEM_DN}"
# groupOfNames needs at least one member: an empty group holds this DN (no entry, so nobody's memberOf).
PLACEHOLDER_MEMBER = ADMIN_DN


def find_slapd() -> str | None:
    """Path of the slapd program: $KB_TEST_SLAPD if set, else Debian's /usr/sbin/slapd (often not on PATH)."""
    chosen = os.environ.get("KB_TEST_SLAPD")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for candidate in SLAPD_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("slapd")


def free_port(taken: set[int] = frozenset()) -> int:
    """A TCP port on the loopback interface that nobody listens on right now (and not in `taken`)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def _write_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signed for 127.0.0.1/localhost: (ca, cert, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kb test CA (throwaway)")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.touch(mode=0o600)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_file, cert_file, key_file


def _quoted(path: Path) -> str:
    """A path as a slapd.conf value."""
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


class Slapd:
    """OpenLDAP's slapd on a throwaway configuration and directory in `workdir`; use `with` or start/stop."""

    def __init__(self, workdir: Path | str, slapd: str | None = None, debug: str = "none") -> None:
        self.workdir = Path(workdir).resolve()
        self.slapd = slapd or find_slapd()
        # slapd's -d level: "none" prints only errors (configuration mistakes); "stats" logs each operation.
        self.debug = debug
        self.admin_password = secrets.token_urlsafe(12)
        self.service_password = secrets.token_urlsafe(12)
        self.port: int | None = None
        self.ldaps_port: int | None = None
        self.pid: int | None = None
        self._process: subprocess.Popen | None = None
        self._log_file = self.workdir / "slapd.log"
        self.started_in: float | None = None  # seconds from start() until slapd answered

    # --- where things are -------------------------------------------------------------------------

    base_dn = BASE_DN
    admin_dn = ADMIN_DN
    users_dn = USERS_DN
    groups_dn = GROUPS_DN
    service_dn = SERVICE_DN

    @property
    def url(self) -> str:
        """ldap://127.0.0.1:<port> (plain; StartTLS works with `ca_file`)."""
        if self.port is None:
            raise RuntimeError("slapd är inte startad")
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        """ldaps://127.0.0.1:<port> (TLS from the first byte; trust `ca_file`)."""
        if self.ldaps_port is None:
            raise RuntimeError("slapd är inte startad")
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    @property
    def ca_file(self) -> str:
        """PEM file of the throwaway CA that signed the server certificate."""
        return str(self.workdir / "tls" / "ca.pem")

    def user_dn(self, uid: str) -> str:
        """The DN add_user gives `uid`."""
        return f"uid={escape_rdn(uid)},{USERS_DN}"

    def group_dn(self, cn: str) -> str:
        """The DN add_group gives `cn`."""
        return f"cn={escape_rdn(cn)},{GROUPS_DN}"

    # --- starting and stopping --------------------------------------------------------------------

    def _config(self, ca_file: Path, cert_file: Path, key_file: Path) -> str:
        includes = "\n".join(f"include {_quoted(SCHEMA_DIR / (name + '.schema'))}" for name in SCHEMAS)
        return f"""\
# A throwaway slapd for kb's tests (tests/ldap_server.py); never for real data.
{includes}
modulepath {_quoted(MODULE_DIR)}
moduleload back_mdb
moduleload memberof
pidfile {_quoted(self.workdir / "slapd.pid")}
argsfile {_quoted(self.workdir / "slapd.args")}

TLSCACertificateFile {_quoted(ca_file)}
TLSCertificateFile {_quoted(cert_file)}
TLSCertificateKeyFile {_quoted(key_file)}
TLSVerifyClient never

# Root DSE and schema for everyone (clients discover StartTLS and the schema there), like AD.
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read

database mdb
suffix "{BASE_DN}"
rootdn "{ADMIN_DN}"
rootpw "{self.admin_password}"
directory {_quoted(self.workdir / "data")}
maxsize 33554432
dbnosync
index objectClass eq
index uid,cn,mail eq
index member eq

# memberOf on users, from groupOfNames/member; renaming or deleting a user also updates the groups.
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-dangling ignore
memberof-refint TRUE

# Anonymous may only bind; bound users (the service account too) read all but passwords.
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by dn.exact="{SERVICE_DN}" read
    by users read
    by * none
"""

    def start(self, timeout: float = 15.0) -> Slapd:
        """Write the configuration, start slapd, wait until it answers and seed the tree; returns self."""
        if self._process is not None:
            return self
        if not self.slapd:
            raise RuntimeError("slapd hittades inte (installera Debian-paketet slapd)")
        began = time.monotonic()
        tls = self.workdir / "tls"
        tls.mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(exist_ok=True)
        ca_file, cert_file, key_file = _write_certificates(tls)
        config = self.workdir / "slapd.conf"
        config.write_text(self._config(ca_file, cert_file, key_file), encoding="utf-8")

        for attempt in range(3):  # a free port may be taken by someone else before slapd binds it
            self.port = free_port()
            self.ldaps_port = free_port({self.port})
            listen = f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.ldaps_port}/"
            with open(self._log_file, "wb") as log:
                # -d keeps slapd in the foreground (our child, PID known) and logs to stderr.
                self._process = subprocess.Popen(  # noqa: S603 - fixed program and arguments
                    [self.slapd, "-f", str(config), "-h", listen, "-d", self.debug],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
            self.pid = self._process.pid
            try:
                self._wait_until_ready(began + timeout)
                break
            except RuntimeError:
                log_text = self.log()
                self.stop()
                if attempt < 2 and "Address already in use" in log_text:
                    continue
                raise
        try:
            self._seed()
        except Exception:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def log(self) -> str:
        """What slapd wrote to stderr so far."""
        try:
            return self._log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _wait_until_ready(self, deadline: float) -> None:
        """Until the root DSE answers on `url`; a clear error with slapd's log otherwise.

        slapd opens all its listeners before it serves any, so ldaps:// is up once ldap:// answers.
        """
        problem = "inget svar"
        while True:
            code = self._process.poll()
            if code is not None:
                raise RuntimeError(f"slapd avslutades med kod {code} innan den svarade "
                                   f"(konfiguration: {self.workdir / 'slapd.conf'}):\n{self.log()}")
            try:
                # A plain socket first: ldap3 leaves the socket of a refused connection to the garbage collector.
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                server = ldap3.Server(self.url, get_info=ldap3.NONE, connect_timeout=1)
                with ldap3.Connection(server, receive_timeout=2) as conn:  # anonymous; closed on exit
                    if conn.search("", "(objectClass=*)", ldap3.BASE, attributes=["supportedExtension"]):
                        return
                    problem = f"root-DSE: {conn.result}"
            except (OSError, LDAPException) as exc:
                problem = str(exc)
            if time.monotonic() > deadline:
                raise RuntimeError(f"slapd svarade inte på {self.url} ({problem}):\n{self.log()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop slapd by its PID (SIGTERM, then SIGKILL after 10 s) and wait for it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.pid = None

    def __enter__(self) -> Slapd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the directory ------------------------------------------------------------------------------

    def connect(self, dn: str | None = None, password: str | None = None) -> ldap3.Connection:
        """A connection as `dn` (the rootdn by default) over plain ldap:// that raises on LDAP errors.

        Not yet open: `with slapd.connect() as conn:` binds on entry and unbinds (closes) on exit.
        """
        if dn is None:
            dn, password = ADMIN_DN, self.admin_password
        server = ldap3.Server(self.url, get_info=ldap3.NONE, connect_timeout=5)
        return ldap3.Connection(server, dn, password, raise_exceptions=True, receive_timeout=10)

    def _seed(self) -> None:
        with self.connect() as conn:
            conn.add(BASE_DN, ["dcObject", "organization"], {"dc": "kb", "o": "kb (test)"})
            for dn in (USERS_DN, GROUPS_DN, SYSTEM_DN):
                conn.add(dn, ["organizationalUnit"])
            conn.add(SERVICE_DN, ["organizationalRole", "simpleSecurityObject"],
                     {"userPassword": self.service_password, "description": "kb's service account"})
            conn.extend.standard.modify_password(SERVICE_DN, new_password=self.service_password)

    def add_user(self, uid: str, password: str | None, cn: str, mail: str = "", sn: str | None = None,
                 **attributes: object) -> str:
        """An inetOrgPerson uid=<uid> under ou=people (sn: cn's last word by default); returns its DN.

        The password is set with the Password Modify operation, so slapd stores it hashed ({SSHA});
        None leaves the user without one (cannot bind). Extra keyword arguments are further
        attributes (e.g. displayName, givenName).
        """
        dn = self.user_dn(uid)
        values: dict[str, object] = {"uid": uid, "cn": cn, "sn": sn or cn.split()[-1], **attributes}
        if mail:
            values["mail"] = mail
        with self.connect() as conn:
            conn.add(dn, ["inetOrgPerson", "organizationalPerson", "person"], values)
            if password is not None:
                conn.extend.standard.modify_password(dn, new_password=password)
        return dn

    def set_password(self, uid: str, password: str) -> None:
        """Give `uid` a new password (hashed by slapd)."""
        with self.connect() as conn:
            conn.extend.standard.modify_password(self.user_dn(uid), new_password=password)

    def delete_user(self, uid: str) -> None:
        """Delete `uid`, first taking it out of its groups (a group's last member becomes the placeholder)."""
        dn = self.user_dn(uid)
        for group in self._groups_of(dn):
            self._remove_member(group, dn)
        with self.connect() as conn:
            conn.delete(dn)

    def _member_dn(self, member: str) -> str:
        """A uid as its user DN; a value that already is a DN (holds '=') as it is."""
        return member if "=" in member else self.user_dn(member)

    def add_group(self, cn: str, members: list[str] | tuple[str, ...] = ()) -> str:
        """A groupOfNames cn=<cn> under ou=groups with these members (uids, or DNs); returns its DN."""
        dn = self.group_dn(cn)
        member_dns = [self._member_dn(m) for m in members] or [PLACEHOLDER_MEMBER]
        with self.connect() as conn:
            conn.add(dn, ["groupOfNames"], {"cn": cn, "member": member_dns})
        return dn

    def delete_group(self, cn: str) -> None:
        """Delete the group (the overlay drops it from its members' memberOf)."""
        with self.connect() as conn:
            conn.delete(self.group_dn(cn))

    def members(self, cn: str) -> list[str]:
        """The member DNs of group `cn` (without the placeholder of an empty group)."""
        with self.connect() as conn:
            conn.search(self.group_dn(cn), "(objectClass=groupOfNames)", ldap3.BASE, attributes=["member"])
            values = conn.entries[0].entry_attributes_as_dict.get("member", [])
        return [dn for dn in values if dn.lower() != PLACEHOLDER_MEMBER.lower()]

    def add_to_group(self, cn: str, uid: str) -> None:
        """Add a user (uid or DN) to group `cn` (dropping the empty group's placeholder)."""
        dn = self.group_dn(cn)
        changes = [(ldap3.MODIFY_ADD, [self._member_dn(uid)])]
        if not self.members(cn):
            changes.append((ldap3.MODIFY_DELETE, [PLACEHOLDER_MEMBER]))
        with self.connect() as conn:
            conn.modify(dn, {"member": changes})

    def remove_from_group(self, cn: str, uid: str) -> None:
        """Take a user (uid or DN) out of group `cn` (its last member gives way to the placeholder)."""
        self._remove_member(self.group_dn(cn), self._member_dn(uid))

    def _remove_member(self, group_dn: str, member_dn: str) -> None:
        with self.connect() as conn:
            conn.search(group_dn, "(objectClass=groupOfNames)", ldap3.BASE, attributes=["member"])
            current = conn.entries[0].entry_attributes_as_dict.get("member", [])
            changes = [(ldap3.MODIFY_DELETE, [member_dn])]
            if all(value.lower() == member_dn.lower() for value in current):
                changes.append((ldap3.MODIFY_ADD, [PLACEHOLDER_MEMBER]))
            conn.modify(group_dn, {"member": changes})

    def _groups_of(self, member_dn: str) -> list[str]:
        with self.connect() as conn:
            conn.search(GROUPS_DN, f"(member={escape_filter_chars(member_dn)})",
                        ldap3.SUBTREE, attributes=["cn"])
            return [entry.entry_dn for entry in conn.entries]

    def member_of(self, uid: str) -> list[str]:
        """The user's memberOf values (group DNs) as slapd reports them."""
        with self.connect() as conn:
            conn.search(self.user_dn(uid), "(objectClass=*)", ldap3.BASE, attributes=["memberOf"])
            return list(conn.entries[0].entry_attributes_as_dict.get("memberOf", []))
