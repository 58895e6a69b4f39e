"""Shared by the benchmarks and the server tests: real `kb serve` processes and an HTTP client.

- `KbInstance` prepares an instance folder (`kb init`, users, optional demo content) through the
  real command-line tool; `KbServer` runs `kb serve` on a free loopback port as its own process
  (waitress, or gunicorn with --workers N), can kill one worker, crash or restart the server, and
  stops it by PID.
- `Http` is a small keep-alive HTTP/1.1 client with a cookie jar that fills in forms the way a
  browser does (CSRF token and all), so logins and saves go through the same path as a person's.

Loopback only: every address used here is 127.0.0.1. Standard library only, so the tests and the
benchmarks need nothing the project does not already install.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.kbdemo import free_port, kb_command  # noqa: E402 - needs the repository on the path

HOST = "127.0.0.1"
PASSWORD = "Lasttest-lösen-2026-ok"  # noqa: S105 - accounts of throwaway test instances


# --- processes ----------------------------------------------------------------------------------

def clean_env(**kb: str | os.PathLike | None) -> dict[str, str]:
    """This process's environment without any KB_* variable, plus the given ones (None: left out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update({k: str(v) for k, v in kb.items() if v is not None})
    return env


def children(pid: int) -> list[int]:
    """PIDs of the live child processes of `pid` (read from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, ...
        rest = stat[stat.rfind(")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == pid and rest[0] != "Z":
            out.append(int(entry.name))
    return sorted(out)


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB (VmRSS from /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for {pid}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class KbInstance:
    """An instance folder (and optionally another database and index folder) for `kb` commands."""

    root: Path
    database_url: str | None = None
    index_dir: Path | None = None

    @property
    def path(self) -> Path:
        """The instance folder."""
        return self.root / "instance"

    def env(self) -> dict[str, str]:
        """The environment for `kb` commands and servers of this instance."""
        return clean_env(KB_INSTANCE_PATH=self.path, KB_DATABASE_URL=self.database_url,
                         KB_INDEX_DIR=self.index_dir)

    def kb(self, *args: str, stdin: str | None = None, timeout: float = 600) -> str:
        """Run a `kb` command for this instance; its output, or RuntimeError when it fails."""
        done = subprocess.run([kb_command(), *args], env=self.env(), input=stdin,  # noqa: S603
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"kb {' '.join(args)} misslyckades ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}")
        return done.stdout

    def init(self, users: Iterable[tuple[str, str]] = ()) -> KbInstance:
        """`kb init` and one account per (name, role), all with PASSWORD."""
        self.kb("init")
        for name, role in users:
            self.kb("user", "create", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        return self

    def add_users(self, users: Iterable[tuple[str, str]]) -> None:
        """Create accounts (name, role) with PASSWORD in this process: quicker than one `kb user
        create` each when there are many."""
        from kb.constants import Role
        from kb.services import users as accounts

        with self.app().app_context():
            for name, role in users:
                accounts.create(name, PASSWORD, Role.parse(role))

    def app(self):
        """An app on this instance in this process (for checking the database and the index)."""
        from kb import create_app

        config = {"INSTANCE_PATH": str(self.path)}
        if self.database_url is not None:  # else instance/config.py or the default, as for `kb`
            config["SQLALCHEMY_DATABASE_URI"] = self.database_url
        if self.index_dir is not None:
            config["INDEX_DIR"] = str(self.index_dir)
        return create_app(config)


class KbServer:
    """`kb serve` for an instance on a free loopback port, in its own process group."""

    def __init__(self, instance: KbInstance, *, workers: int = 1, threads: int = 8,
                 port: int | None = None, log: Path | None = None) -> None:
        self.instance = instance
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.log = log or instance.root / f"serve-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> KbServer:
        """Start the server and wait until it answers (and all its workers are up)."""
        command = [kb_command(), "serve", "--host", HOST, "--port", str(self.port),
                   "--workers", str(self.workers), "--threads", str(self.threads)]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(command, env=self.instance.env(), stdout=out,  # noqa: S603
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_up(timeout)
        return self

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kb serve avslutades ({self.proc.returncode}):\n{self.log.read_text()}")
            enough = self.workers == 1 or len(children(self.proc.pid)) >= self.workers
            try:
                if enough and Http(self.url, timeout=5).get("/").status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"kb serve svarade inte på {self.url} inom {timeout} s:\n{self.log.read_text()}")

    def worker_pids(self) -> list[int]:
        """PIDs of the gunicorn workers (empty for waitress, which is one process)."""
        return children(self.proc.pid) if self.proc and self.workers > 1 else []

    def pids(self) -> list[int]:
        """The server process and its workers."""
        return [self.proc.pid, *self.worker_pids()] if self.proc else []

    def kill_worker(self) -> int:
        """SIGKILL one worker (gunicorn starts a new one); return its PID."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    @contextmanager
    def only(self, worker: int) -> Iterator[None]:
        """Let only one worker take new connections: the others are paused (SIGSTOP) meanwhile."""
        paused = [pid for pid in self.worker_pids() if pid != worker]
        for pid in paused:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in paused:
                os.kill(pid, signal.SIGCONT)

    def stop(self, timeout: float = 45) -> None:
        """SIGTERM (a graceful stop: requests in progress finish), then SIGKILL by PID if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = self.worker_pids()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.crash()
        self._reap(workers)

    def crash(self) -> None:
        """SIGKILL the server and its workers at once, as a power cut would."""
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = self.worker_pids()
        for pid in [self.proc.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)
        self._reap(workers)

    @staticmethod
    def _reap(pids: list[int], timeout: float = 10) -> None:
        """Wait for orphaned workers to end (they exit when their master is gone); kill stragglers."""
        deadline = time.monotonic() + timeout
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)

    def restart(self) -> None:
        """A graceful stop and a start on the same port."""
        self.stop()
        self.start()

    def __enter__(self) -> KbServer:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- HTTP ---------------------------------------------------------------------------------------

@dataclass
class Reply:
    """An HTTP response, read in full."""

    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        """The redirect target's path ('' when there is none)."""
        loc = self.headers.get("location", "")
        parts = urlsplit(loc)
        return (parts.path + (f"?{parts.query}" if parts.query else "")) if loc else ""


class Http:
    """A keep-alive HTTP client for one server with a cookie jar, like one browser tab."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or HOST, parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        # Called with (method, path, status, seconds) after every response (load tests count them).
        self.on_reply: Callable[[str, str, int, float], None] | None = None

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __del__(self) -> None:
        self.close()

    def request(self, method: str, path: str, fields: dict | list | None = None) -> Reply:
        """Send a request (form-encoded `fields` for a POST); connection errors are raised.

        A GET that fails on a reused keep-alive connection (the server may close idle ones) is
        retried once on a new connection; a POST never is. Non-ASCII in `path` is percent-encoded.
        """
        path = quote(path, safe="/?&=%:+,;@-._~!$'()*#")
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            headers = {"Host": f"{self.host}:{self.port}", "Accept-Encoding": "identity"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if fields is not None:
                body = urlencode(fields, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 1 and reused and method == "GET":
                    continue
                raise
            self._keep_cookies(resp.headers.get_all("Set-Cookie") or [])
            if resp.will_close:
                self.close()
            if self.on_reply is not None:
                self.on_reply(method, path, resp.status, time.perf_counter() - started)
            return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()},
                         data.decode("utf-8", "replace"))
        raise AssertionError("unreachable")

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str) -> Reply:
        """GET a path."""
        return self.request("GET", path)

    def post(self, path: str, fields: dict | list) -> Reply:
        """POST form fields to a path."""
        return self.request("POST", path, fields)

    def submit(self, path: str, changes: dict[str, str], *, having: str, button: str) -> Reply:
        """Open `path`, fill the form that has a field named `having` with `changes`, and press
        the submit button named `button` (CSRF token and every other field as the page gave them)."""
        page = self.get(path)
        if page.status != 200:
            return page
        form = form_with(page.text, having)
        fields = [(k, v) for k, v in form.fields if k not in changes]
        fields += [(k, v) for k, v in changes.items()]
        fields.append((button, form.buttons.get(button, "1")))
        return self.post(form.action or path, fields)

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Log in through the login form; AssertionError when that fails."""
        reply = self.submit("/logga-in", {"username": username, "password": password},
                            having="username", button="submit")
        assert reply.status == 302, f"inloggningen misslyckades ({reply.status}): {reply.text[:300]}"


@dataclass
class Form:
    """A form as a browser would submit it: action, fields in order, submit buttons."""

    action: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """Collects forms and their successful controls (text, hidden, checked boxes, textareas, selects)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: tuple[str, bool] | None = None
        self._multiple = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""))
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "submit":
                self._form.buttons[name] = a.get("value", "")
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, a.get("value", "on")))
            elif kind not in ("file", "button", "image", "reset"):
                self._form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._form.buttons[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options, self._multiple = name, [], "multiple" in a
        elif tag == "option" and self._select:
            self._option = (a.get("value", ""), "selected" in a)
            self._options.append(self._option)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            self._form.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [v for v, sel in self._options if sel]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]
            self._form.fields.extend((self._select, v) for v in chosen)
            self._select = None


def form_with(html: str, name: str) -> Form:
    """The first form on a page that has a field (or button) called `name`."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if any(k == name for k, _ in form.fields) or name in form.buttons:
            return form
    raise AssertionError(f"inget formulär med fältet {name!r}")


SAVED = re.compile(r"Sidan sparades \(version (\d+)\)")


def create_page(client: Http, title: str, source: str) -> str:
    """Create an article through the form; return its slug."""
    reply = client.submit("/ny", {"title": title, "source": source, "type": "article"},
                          having="source", button="save")
    assert reply.status == 302, f"sidan skapades inte ({reply.status}): {reply.text[:300]}"
    return reply.location.rsplit("/", 1)[-1]


@dataclass
class Saved:
    """What a save through the edit form gave: the POST's status, and whether (and as which
    version) the server acknowledged it with the redirect to the page."""

    status: int
    acknowledged: bool = False
    version: int | None = None


def save_page(client: Http, slug: str, source: str, comment: str = "") -> Saved:
    """Edit a page's text through the edit form, as an editor does.

    Raises on connection errors before the acknowledgement (then the save may or may not have
    landed); a redirect elsewhere than to the page (say, to the login form) is no acknowledgement.
    """
    reply = client.submit(f"/sida/{slug}/redigera", {"source": source, "comment": comment},
                          having="source", button="save")
    if reply.status != 302 or reply.location != f"/sida/{slug}":
        return Saved(reply.status)
    try:
        shown = client.get(reply.location)  # the flash message names the new version
    except (OSError, http.client.HTTPException):
        return Saved(302, True)  # saved all the same: the redirect was the acknowledgement
    found = SAVED.search(shown.text)
    return Saved(302, True, int(found.group(1)) if found else None)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> str:
    """Cores, CPU model and Python version, for result tables."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, Python {sys.version.split()[0]}"
