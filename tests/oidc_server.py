"""A real OpenID Connect provider for the tests: npm's oidc-provider 9 run by tests/oidc/provider.mjs.

`OidcProvider` starts the node script on a free loopback port and writes the two files it reads on every
request: the accounts (login, password, stable `sub`, claims) and the test-only faults. The pure-Python
user agent `login_at_provider` / `logout_at_provider` walks the provider's pages the way a browser would
and stops at the redirect back to the client, without requesting it, so a test hands that URL to kb's
own callback. oidc-provider is installed from npm into .cache/npm on first use (never committed).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
NPM_PREFIX = REPO / ".cache" / "npm"
OIDC_PROVIDER_DIR = NPM_PREFIX / "node_modules" / "oidc-provider"
OIDC_PROVIDER_VERSION = "9"  # the major version provider.mjs is written for
NODE_MINIMUM = (20, 12)  # oidc-provider 9 calls crypto.hash (node 20.12); it warns below 22 but works
PROVIDER_SCRIPT = Path(__file__).resolve().parent / "oidc" / "provider.mjs"
READY = "OIDC-PROVIDER READY"

# kb's client at the provider, as the Flask test client (host localhost) sees it.
KB_CLIENT_ID = "kb"
# ASCII only: oidc-provider (RFC 6749: VSCHAR, \x20-\x7E) rejects a client_secret with "ö".
KB_CLIENT_SECRET = "kb-hemlighet-for-test"
CALLBACK_PATH = "/logga-in/oidc/callback"
FAULTS = {"clock_offset", "id_token_audience"}


class OidcSetupError(RuntimeError):
    """node or npm is missing, or oidc-provider could not be installed (the message is a skip reason)."""


class ProviderError(RuntimeError):
    """The provider answered with something the user agent did not expect (an error page, a 500)."""


class ProviderRefused(ProviderError):
    """The provider refused the login (wrong password or unknown login)."""


def kb_client(base_url: str = "http://localhost", *, client_id: str = KB_CLIENT_ID,
              client_secret: str = KB_CLIENT_SECRET) -> dict:
    """kb as a client of the provider when it is served at base_url (no trailing slash)."""
    return {"client_id": client_id, "client_secret": client_secret,
            "redirect_uris": [base_url + CALLBACK_PATH], "post_logout_redirect_uris": [base_url + "/"]}


def _installed_version() -> str | None:
    try:
        return json.loads((OIDC_PROVIDER_DIR / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_oidc_provider() -> Path:
    """oidc-provider 9 in .cache/npm, installed with npm on first use; its module directory.

    Raises OidcSetupError (with a Swedish reason fit for a skip) when node or npm is missing, node is
    older than 20.12, or the install fails.
    """
    node = shutil.which("node")
    if node is None:
        raise OidcSetupError("node saknas, så OIDC-leverantören kan inte startas (installera Debian-paketet nodejs)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,  # noqa: S603
                             check=False).stdout.strip()
    if tuple(int(part) for part in re.findall(r"\d+", version)[:2]) < NODE_MINIMUM:
        raise OidcSetupError(f"node {version or '(okänd version)'} är för gammal för oidc-provider 9 (kräver "
                             f"minst {'.'.join(map(str, NODE_MINIMUM))}; Debian 12:s nodejs är 18)")
    if not (_installed_version() or "").startswith(OIDC_PROVIDER_VERSION + "."):
        npm = shutil.which("npm")
        if npm is None:
            raise OidcSetupError("npm saknas, så oidc-provider kan inte installeras (installera Debian-paketet npm)")
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(NPM_PREFIX),  # noqa: S603
                               f"oidc-provider@{OIDC_PROVIDER_VERSION}"],
                              capture_output=True, text=True, timeout=300, check=False)
        if not (_installed_version() or "").startswith(OIDC_PROVIDER_VERSION + "."):
            raise OidcSetupError(f"oidc-provider kunde inte installeras från npm: {done.stderr.strip()[-300:]}")
    return OIDC_PROVIDER_DIR


def _diagnosis(pid: int) -> str:
    """The machine's load, free memory and the process's state: what a timeout in CI needs to be explained."""
    parts = [f"last {os.getloadavg()[0]:.1f}"]
    for path, key in ((Path("/proc/meminfo"), "MemAvailable"), (Path(f"/proc/{pid}/status"), "State")):
        try:
            line = next((ln for ln in path.read_text().splitlines() if ln.startswith(key + ":")), "")
        except OSError:
            continue
        parts.append(" ".join(line.split()))
    return ", ".join(parts)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, data: object) -> None:
    """Write atomically: the provider reads these files on every request."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


class OidcProvider:
    """oidc-provider on http://127.0.0.1:<free port>, with accounts and faults kept in files in workdir.

    clients: dicts with client_id, client_secret, redirect_uris and post_logout_redirect_uris (see
    kb_client). Accounts and faults may be changed while the provider runs; they count from the next
    request on.
    """

    def __init__(self, workdir: Path, clients: list[dict]):
        self.workdir = Path(workdir)
        self.clients = [dict(client) for client in clients]
        self.port: int | None = None
        self.pid: int | None = None
        self._process: subprocess.Popen | None = None
        self.accounts_file = self.workdir / "accounts.json"
        self.control_file = self.workdir / "control.json"
        self.config_file = self.workdir / "config.json"
        self.log_file = self.workdir / "provider.log"

    # --- the process --------------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The issuer, e.g. http://127.0.0.1:41234 (also the base URL of every endpoint)."""
        if self.port is None:
            raise RuntimeError("OIDC-leverantören är inte startad")
        return f"http://127.0.0.1:{self.port}"

    @property
    def server_metadata_url(self) -> str:
        """The discovery document's URL (Authlib's server_metadata_url)."""
        return self.issuer + "/.well-known/openid-configuration"

    def metadata(self) -> dict:
        """The discovery document."""
        resp = requests.get(self.server_metadata_url, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def start(self, timeout: float = 60) -> OidcProvider:
        """Start node on a free port and wait for its ready line.

        A new port if that one was taken meanwhile; one more try when node did not get ready in time (a CI
        machine under load), with the machine's load and node's state in the error if it fails again.
        """
        if self._process is not None:
            raise RuntimeError("OIDC-leverantören är redan startad")
        module = ensure_oidc_provider()
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.accounts_file.exists():
            _write_json(self.accounts_file, {})
        if not self.control_file.exists():
            _write_json(self.control_file, {})
        for attempt in range(3):
            self.port = _free_port()
            _write_json(self.config_file, {
                "port": self.port, "issuer": self.issuer, "node_modules": str(module.parent),
                "clients": self.clients, "accounts": str(self.accounts_file), "control": str(self.control_file),
            })
            with self.log_file.open("w", encoding="utf-8") as log:
                self._process = subprocess.Popen(  # noqa: S603 - our own script
                    [shutil.which("node") or "node", str(PROVIDER_SCRIPT), str(self.config_file)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
            self.pid = self._process.pid
            try:
                self._wait_until_ready(timeout)
                return self
            except ProviderError as exc:
                log_text = self._log()
                self.stop()
                retry = "EADDRINUSE" in log_text or "blev inte redo" in str(exc)
                if not retry or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _log(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY in self._log():
                return
            if self._process.poll() is not None:
                raise ProviderError(f"OIDC-leverantören avslutades ({self._process.returncode}):\n{self._log()}")
            time.sleep(0.05)
        raise ProviderError(f"OIDC-leverantören blev inte redo inom {timeout} s ({_diagnosis(self._process.pid)}):\n"
                            f"{self._log()}")

    def stop(self) -> None:
        """Terminate the node process (SIGTERM to its PID, SIGKILL if it lingers) and wait for it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.pid = None

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- accounts and faults ------------------------------------------------------------------------

    def accounts(self) -> dict:
        """The accounts file's content."""
        if not self.accounts_file.exists():
            return {}
        return json.loads(self.accounts_file.read_text(encoding="utf-8"))

    def set_account(self, login: str, password: str, sub: str, **claims: object) -> None:
        """Add or replace an account; claims are e.g. name, given_name, family_name, email,
        email_verified, groups (a list). sub is the stable id the ID token carries."""
        accounts = self.accounts()
        accounts[login] = {"password": password, "sub": sub, "claims": claims}
        _write_json(self.accounts_file, accounts)

    def remove_account(self, login: str) -> None:
        """Remove an account: its next login is refused, and its pending codes no longer give tokens."""
        accounts = self.accounts()
        accounts.pop(login, None)
        _write_json(self.accounts_file, accounts)

    def faults(self) -> dict:
        """The faults in force."""
        if not self.control_file.exists():
            return {}
        return json.loads(self.control_file.read_text(encoding="utf-8"))

    def set_fault(self, **faults: object) -> None:
        """Turn on test-only faults for the ID tokens issued from now on (added to those in force):
        clock_offset=<seconds> (iat/exp that far off; -7200 gives an expired token) and
        id_token_audience=<str> (that aud instead of the client id). A value of None removes the fault."""
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"okända fel: {sorted(unknown)} (kända: {sorted(FAULTS)})")
        current = self.faults()
        current.update(faults)
        _write_json(self.control_file, {key: value for key, value in current.items() if value is not None})

    def clear_faults(self) -> None:
        """Back to normal behaviour."""
        _write_json(self.control_file, {})


# --- a user agent for the provider's pages ----------------------------------------------------------

class _Forms(HTMLParser):
    """The forms of a page (action, method, id, fields and submit buttons) and its error texts."""

    ERROR_CLASSES = frozenset({"error", "error_description"})

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.errors: list[str] = []
        self._form: dict | None = None
        self._error: list = []  # [tag, nesting] while inside an element with an error class

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if self._error and tag == self._error[0]:
            self._error[1] += 1
        elif not self._error and self.ERROR_CLASSES & set(a.get("class", "").split()):
            self._error = [tag, 1]
            self.errors.append("")
        if tag == "form":
            self._form = {"id": a.get("id", ""), "action": a.get("action", ""),
                          "method": a.get("method", "get").lower(), "fields": {}, "buttons": []}
            self.forms.append(self._form)
        elif tag in {"input", "button"}:
            form = self._owner(a)
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            if form is None:
                return
            if kind == "submit":
                form["buttons"].append((a.get("name"), a.get("value", "")))
            elif "name" in a:
                form["fields"][a["name"]] = a.get("value", "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._error and tag == self._error[0]:
            self.handle_endtag(tag)

    def _owner(self, attrs: dict) -> dict | None:
        if "form" in attrs:
            return next((f for f in self.forms if f["id"] == attrs["form"]), None)
        return self._form

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if self._error and tag == self._error[0]:
            self._error[1] -= 1
            if not self._error[1]:
                self._error = []

    def handle_data(self, data: str) -> None:
        if self._error:
            self.errors[-1] += data


def _parse(resp: requests.Response) -> _Forms:
    parser = _Forms()
    parser.feed(resp.text)
    return parser


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _describe(resp: requests.Response) -> str:
    errors = [e.strip() for e in _parse(resp).errors if e.strip()]
    return f"{resp.status_code} på {resp.url}: " + ("; ".join(errors) or resp.text[:500])


def _submit(session: requests.Session, resp: requests.Response, form: dict, **values: str) -> requests.Response:
    data = dict(form["fields"])
    data.update(values)
    name, value = next(iter(form["buttons"]), (None, ""))
    if name:
        data[name] = value
    url = urljoin(resp.url, form["action"] or resp.url)
    if form["method"] == "post":
        return session.post(url, data=data, allow_redirects=False, timeout=10)
    return session.get(url, params=data, allow_redirects=False, timeout=10)


def _walk(session: requests.Session, start: str, on_page) -> str:
    """Follow the provider's redirects and pages from start until a redirect leaves the provider; return
    that Location without requesting it. on_page(resp) submits a page (or raises) and returns the reply,
    or a URL to stop at."""
    provider = _origin(start)
    resp = session.get(start, allow_redirects=False, timeout=10)
    for _ in range(20):
        if resp.is_redirect:
            target = urljoin(resp.url, resp.headers["Location"])
            if _origin(target) != provider:
                return target
            resp = session.get(target, allow_redirects=False, timeout=10)
        else:
            resp = on_page(resp)
            if isinstance(resp, str):
                return resp
    raise ProviderError(f"för många steg hos OIDC-leverantören från {start}")


def login_at_provider(authorize_url: str, login: str, password: str, *,
                      session: requests.Session | None = None) -> str:
    """Log in at the provider from its authorization URL (as kb redirects the browser there) and return
    the redirect back to the client (redirect_uri?code=...&state=...&iss=...) without requesting it.

    Raises ProviderRefused for a wrong password or unknown login and ProviderError for an error page
    (e.g. an unregistered redirect_uri). An error the provider sends back to the client (e.g.
    ?error=invalid_request) is returned like a code. Pass a session to keep the provider's cookies, e.g.
    to log out later with logout_at_provider; if it already has a login there, no form is shown.
    """
    session = session or requests.Session()
    submitted = False

    def on_page(resp: requests.Response) -> requests.Response:
        nonlocal submitted
        forms = [f for f in _parse(resp).forms if "password" in f["fields"]]
        if resp.status_code != 200 or not forms:
            raise ProviderError(f"oväntat svar från OIDC-leverantören: {_describe(resp)}")
        if submitted:  # the form again, with the error
            raise ProviderRefused(f"inloggningen som {login!r} nekades: {_describe(resp)}")
        submitted = True
        return _submit(session, resp, forms[0], login=login, password=password)

    return _walk(session, authorize_url, on_page)


def logout_at_provider(end_session_url: str, *, session: requests.Session | None = None) -> str:
    """Open the provider's end-session URL (with id_token_hint, post_logout_redirect_uri, state), confirm
    the logout and return where the provider sends the browser: the post_logout_redirect_uri (with
    state), or without one the provider's own "Utloggad" page. Pass login_at_provider's session to end
    that login at the provider; without one, the provider has no login to end but still redirects."""
    session = session or requests.Session()
    confirmed = False

    def on_page(resp: requests.Response) -> requests.Response | str:
        nonlocal confirmed
        forms = [f for f in _parse(resp).forms if f["method"] == "post" and "xsrf" in f["fields"]]
        if resp.status_code == 200 and confirmed and not forms:
            return resp.url  # the provider's own post-logout page
        if resp.status_code != 200 or not forms or confirmed:
            raise ProviderError(f"oväntat svar från OIDC-leverantören: {_describe(resp)}")
        confirmed = True
        return _submit(session, resp, forms[0], logout="yes")

    return _walk(session, end_session_url, on_page)
