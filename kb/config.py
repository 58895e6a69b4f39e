"""Configuration defaults and loading from instance/ and KB_* variables (read in the factory only)."""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

DEFAULTS: dict[str, object] = {
    "TITLE_MAX": 200,
    "SUMMARY_MAX": 500,
    "BODY_MAX": 1_000_000,
    "COMMENT_MAX": 300,
    # A page saved from the edit form must have a change comment (KB_REQUIRE_COMMENT; off: optional).
    "REQUIRE_COMMENT": False,
    "TAGS_MAX": 30,
    "PER_PAGE": 20,
    "RECENT_CHANGES": 50,
    # Alla sidor: titles shown per type on the overview, and per page when one type is listed.
    "PAGE_LIST_PREVIEW": 100,
    "PAGE_LIST_PER_PAGE": 200,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,
    # Flask-WTF's own translations need Flask-Babel; the forms take WTForms' Swedish messages (kb.forms).
    "WTF_I18N_ENABLED": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Requests larger than this get a 413 page; raised to fit ATTACHMENT_MAX (see fit_upload_limit).
    "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
    # Attachments: largest file, and the bounds of reading text from one (a child process).
    "ATTACHMENT_MAX": 20 * 1024 * 1024,
    "EXTRACT_TIMEOUT": 10.0,
    "EXTRACT_MEMORY": 512 * 1024 * 1024,
    "EXTRACT_TEXT_MAX": 1_000_000,
    # "Ladda ner som PDF/Word": a page's file is made in a child process killed after this many
    # seconds, its address space capped at this many bytes (kb.printing).
    "DOCUMENT_TIMEOUT": 30.0,
    "DOCUMENT_MEMORY": 1024 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
    # Anonymous visitors may read (an intranet). Set KB_PUBLIC_READ=false to require login for reading.
    "PUBLIC_READ": True,
    # Page types whose edits are drafts until a fastställare (or administrator) approves them.
    "APPROVAL_TYPES": ["routine"],
    # A routine's default review interval: valid until = approval date + this many months.
    "REVIEW_INTERVAL_MONTHS": 24,
    # E-mail digests of notifications (kb notify). No SMTP_HOST: in-app notifications only.
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_FROM": "",
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 30.0,
    # The address users reach kb at, for links in e-mail ("https://kb.example.se").
    "BASE_URL": "",
    # Reverse proxies in front of kb whose X-Forwarded-For/-Proto/-Host headers are trusted (0: none).
    "PROXY_HOPS": 0,
    # Hosts whose images pages may show (over https); any other external image is shown as a link
    # (kb.sanitize) and the CSP's img-src lists only these besides kb itself (kb.security).
    "IMAGE_HOSTS": [],
    # Where visitors report an accessibility barrier or ask a question (the accessibility statement and
    # every page's footer); empty: the statement tells them to contact the installation's administrator.
    "CONTACT_EMAIL": "",
    # The installation's own area (collaboration body): where `kb upgrade` moves existing content and
    # where content made without an area goes. Set before the first `kb init`/`kb upgrade`.
    "DEFAULT_AREA": "samla",
    "DEFAULT_AREA_NAME": "SAMLA – Vårdsamverkan Lerum Alingsås",
    # Sign-in (README "Inloggning"). Local passwords: off (KB_LOCAL_LOGIN=false) for everyone but the
    # accounts marked as break-glass administrators.
    "LOCAL_LOGIN": True,
    # Refuse sign-in through the organisation to people in no group that gives a role here.
    "REQUIRE_GROUP": False,
    # OpenID Connect: on when an issuer is set; discovery from ISSUER/.well-known/openid-configuration.
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_NAME": "organisationens konto",
    "OIDC_SCOPES": "openid profile email",
    "OIDC_GROUPS_CLAIM": "groups",
    "OIDC_USERNAME_CLAIM": "preferred_username",
    "OIDC_TIMEOUT": 10.0,
    # The claim naming the person's organisation (its key or name in kb), e.g. "organisation"; "" none.
    "OIDC_ORGANISATION_CLAIM": "",
    # LDAP: on when a URL is set. Bind as the user with USER_DN ("uid={username},ou=people,dc=…" or
    # "{username}@region.se"), or search BASE_DN with USER_FILTER as BIND_DN and bind as the entry found.
    "LDAP_URL": "",
    "LDAP_NAME": "LDAP",
    "LDAP_USER_DN": "",
    "LDAP_BIND_DN": "",
    "LDAP_BIND_PASSWORD": "",
    "LDAP_BASE_DN": "",
    "LDAP_USER_FILTER": "(&(objectClass=person)(uid={username}))",
    "LDAP_GROUP_ATTRIBUTE": "memberOf",
    "LDAP_GROUP_BASE_DN": "",
    "LDAP_GROUP_FILTER": "",
    "LDAP_NAME_ATTRIBUTE": "displayName",
    "LDAP_EMAIL_ATTRIBUTE": "mail",
    "LDAP_ID_ATTRIBUTE": "entryUUID",
    "LDAP_START_TLS": False,
    "LDAP_CA_FILE": "",
    "LDAP_TIMEOUT": 10.0,
    # The attribute naming the person's organisation (its key or name in kb), e.g. "o" or "company".
    "LDAP_ORGANISATION_ATTRIBUTE": "",
    # "Glömt lösenordet?": how long a reset link works, and how many links an address or account may
    # ask for per hour.
    "RESET_LINK_MINUTES": 30,
    "RESET_LIMIT_PER_HOUR": 5,
    # What kb keeps about people (/personuppgifter, kb.services.retention, cleaned by `kb notify`):
    # login attempts and reset requests are deleted after LOGIN_LOG_DAYS, the audit log's network
    # addresses blanked after ADDRESS_DAYS.
    "LOGIN_LOG_DAYS": 30,
    "ADDRESS_DAYS": 90,
    # Use statistics (/statistik, kb.services.statistics): kept this many days after their week or
    # month ended; counted in memory and written every STATS_FLUSH_SECONDS or STATS_FLUSH_COUNT events
    # (a crash loses at most those); STATS_ENABLED=False counts nothing (the benchmark's baseline).
    "STATS_DAYS": 365,
    "STATS_FLUSH_SECONDS": 10.0,
    "STATS_FLUSH_COUNT": 1000,
    "STATS_ENABLED": True,
    # `kb links check` (weekly from `kb notify`): seconds per request, hosts asked at once, and
    # whether private, loopback and link-local addresses may be asked (an intranet; the tests).
    "LINKS_TIMEOUT": 10.0,
    "LINKS_CONCURRENCY": 4,
    "LINKS_ALLOW_PRIVATE": False,
}

# KB_* variables that are read, with a converter each.
_BOOL = lambda v: v.strip().lower() in {"1", "true", "yes", "ja", "on"}  # noqa: E731
# A comma-separated list; "none" (or "ingen") for an empty list, since empty variables are skipped.
_NONE = {"", "none", "ingen"}
_LIST = lambda v: [i.strip() for i in v.split(",") if i.strip().lower() not in _NONE]  # noqa: E731
ENV_SETTINGS: dict[str, tuple[str, object]] = {
    "KB_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "KB_SECRET_KEY": ("SECRET_KEY", str),
    "KB_INDEX_DIR": ("INDEX_DIR", str),
    "KB_BODY_MAX": ("BODY_MAX", int),
    "KB_TITLE_MAX": ("TITLE_MAX", int),
    "KB_PUBLIC_READ": ("PUBLIC_READ", _BOOL),
    "KB_REQUIRE_COMMENT": ("REQUIRE_COMMENT", _BOOL),
    "KB_ATTACHMENT_MAX": ("ATTACHMENT_MAX", int),
    "KB_EXTRACT_TIMEOUT": ("EXTRACT_TIMEOUT", float),
    "KB_DOCUMENT_TIMEOUT": ("DOCUMENT_TIMEOUT", float),
    "KB_HTTPS": ("HTTPS", _BOOL),
    "KB_APPROVAL_TYPES": ("APPROVAL_TYPES", _LIST),
    "KB_REVIEW_INTERVAL_MONTHS": ("REVIEW_INTERVAL_MONTHS", int),
    "KB_SMTP_HOST": ("SMTP_HOST", str),
    "KB_SMTP_PORT": ("SMTP_PORT", int),
    "KB_SMTP_USER": ("SMTP_USER", str),
    "KB_SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "KB_SMTP_FROM": ("SMTP_FROM", str),
    "KB_SMTP_STARTTLS": ("SMTP_STARTTLS", _BOOL),
    "KB_BASE_URL": ("BASE_URL", str),
    "KB_PROXY_HOPS": ("PROXY_HOPS", int),
    "KB_IMAGE_HOSTS": ("IMAGE_HOSTS", _LIST),
    "KB_CONTACT_EMAIL": ("CONTACT_EMAIL", str.strip),
    "KB_DEFAULT_AREA": ("DEFAULT_AREA", str.strip),
    "KB_DEFAULT_AREA_NAME": ("DEFAULT_AREA_NAME", str.strip),
    "KB_LOCAL_LOGIN": ("LOCAL_LOGIN", _BOOL),
    "KB_REQUIRE_GROUP": ("REQUIRE_GROUP", _BOOL),
    "KB_OIDC_ISSUER": ("OIDC_ISSUER", str.strip),
    "KB_OIDC_CLIENT_ID": ("OIDC_CLIENT_ID", str.strip),
    "KB_OIDC_CLIENT_SECRET": ("OIDC_CLIENT_SECRET", str),
    "KB_OIDC_NAME": ("OIDC_NAME", str.strip),
    "KB_OIDC_SCOPES": ("OIDC_SCOPES", str.strip),
    "KB_OIDC_GROUPS_CLAIM": ("OIDC_GROUPS_CLAIM", str.strip),
    "KB_OIDC_USERNAME_CLAIM": ("OIDC_USERNAME_CLAIM", str.strip),
    "KB_OIDC_TIMEOUT": ("OIDC_TIMEOUT", float),
    "KB_OIDC_ORGANISATION_CLAIM": ("OIDC_ORGANISATION_CLAIM", str.strip),
    "KB_LDAP_URL": ("LDAP_URL", str.strip),
    "KB_LDAP_NAME": ("LDAP_NAME", str.strip),
    "KB_LDAP_USER_DN": ("LDAP_USER_DN", str.strip),
    "KB_LDAP_BIND_DN": ("LDAP_BIND_DN", str.strip),
    "KB_LDAP_BIND_PASSWORD": ("LDAP_BIND_PASSWORD", str),
    "KB_LDAP_BASE_DN": ("LDAP_BASE_DN", str.strip),
    "KB_LDAP_USER_FILTER": ("LDAP_USER_FILTER", str.strip),
    "KB_LDAP_GROUP_ATTRIBUTE": ("LDAP_GROUP_ATTRIBUTE", str.strip),
    "KB_LDAP_GROUP_BASE_DN": ("LDAP_GROUP_BASE_DN", str.strip),
    "KB_LDAP_GROUP_FILTER": ("LDAP_GROUP_FILTER", str.strip),
    "KB_LDAP_NAME_ATTRIBUTE": ("LDAP_NAME_ATTRIBUTE", str.strip),
    "KB_LDAP_EMAIL_ATTRIBUTE": ("LDAP_EMAIL_ATTRIBUTE", str.strip),
    "KB_LDAP_ID_ATTRIBUTE": ("LDAP_ID_ATTRIBUTE", str.strip),
    "KB_LDAP_START_TLS": ("LDAP_START_TLS", _BOOL),
    "KB_LDAP_CA_FILE": ("LDAP_CA_FILE", str.strip),
    "KB_LDAP_TIMEOUT": ("LDAP_TIMEOUT", float),
    "KB_LDAP_ORGANISATION_ATTRIBUTE": ("LDAP_ORGANISATION_ATTRIBUTE", str.strip),
    "KB_LOGIN_LOG_DAYS": ("LOGIN_LOG_DAYS", int),
    "KB_ADDRESS_DAYS": ("ADDRESS_DAYS", int),
    "KB_STATS_DAYS": ("STATS_DAYS", int),
    "KB_LINKS_TIMEOUT": ("LINKS_TIMEOUT", float),
    "KB_LINKS_CONCURRENCY": ("LINKS_CONCURRENCY", int),
    "KB_LINKS_ALLOW_PRIVATE": ("LINKS_ALLOW_PRIVATE", _BOOL),
}


def oidc_configured(config) -> bool:
    """Whether sign-in with OpenID Connect is on: an issuer and a client id are set."""
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def instance_path_from_env(environ: dict[str, str]) -> str | None:
    """Return the instance folder chosen by KB_INSTANCE_PATH, if any."""
    value = environ.get("KB_INSTANCE_PATH")
    return str(Path(value).resolve()) if value else None


def env_overrides(environ: dict[str, str]) -> dict[str, object]:
    """Translate KB_* variables into config keys."""
    out: dict[str, object] = {}
    for var, (key, convert) in ENV_SETTINGS.items():
        if var in environ and environ[var] != "":
            out[key] = convert(environ[var])  # type: ignore[operator]
    return out


# Room for the form fields and multipart framing around the largest allowed file.
UPLOAD_OVERHEAD = 1024 * 1024


def fit_upload_limit(config: dict) -> None:
    """Raise MAX_CONTENT_LENGTH so that a file of ATTACHMENT_MAX bytes (plus its form) gets through."""
    needed = int(config.get("ATTACHMENT_MAX") or 0) + UPLOAD_OVERHEAD
    if config.get("MAX_CONTENT_LENGTH") is not None and config["MAX_CONTENT_LENGTH"] < needed:
        config["MAX_CONTENT_LENGTH"] = needed


# A host name, optionally with a port: what goes into the CSP as https://<host>.
_HOST_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?")


def check_image_hosts(config: dict) -> None:
    """Make IMAGE_HOSTS a tuple of lower-case host names (a string is split at commas).

    Anything else (a scheme, a path, a wildcard, a space) is refused at start: each name is also
    written into the Content-Security-Policy header.
    """
    value = config.get("IMAGE_HOSTS") or ()
    names = value.split(",") if isinstance(value, str) else value
    hosts = tuple(dict.fromkeys(h.strip().lower() for h in names if h.strip()))
    for host in hosts:
        if not _HOST_RE.fullmatch(host):
            raise ValueError(f"KB_IMAGE_HOSTS: ”{host}” är inget värdnamn (skriv t.ex. bilder.example.se, "
                             "utan https:// och /)")
    config["IMAGE_HOSTS"] = hosts


def secret_key_file(instance_path: str) -> Path:
    """Where the generated secret key lives."""
    return Path(instance_path) / "secret_key"


def load_or_create_secret_key(instance_path: str, *, create: bool) -> str | None:
    """Read the instance's secret key; generate it (mode 600) when asked and missing."""
    path = secret_key_file(instance_path)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key
