"""A throwaway kb with the demo content, served by `kb serve`; the Chromium settings and login to use it.

Used by the browser tests (tests/browser/conftest.py) and by scripts/screenshots.py, so both drive the
real command-line tool and the real server the way an installation does.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Debian's Chromium, never a browser downloaded by `playwright install`.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class DemoServer:
    """A running `kb serve` with the demo content."""

    url: str
    admin_password: str
    instance: Path

    def __call__(self, path: str = "/") -> str:
        """The absolute URL of a path on this server."""
        return self.url + path


def kb_command() -> str:
    """The `kb` script of this virtualenv (or the one on PATH)."""
    beside = Path(sys.executable).with_name("kb")
    return str(beside) if beside.exists() else (shutil.which("kb") or "kb")


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kb serve avslutades ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as resp:  # noqa: S310 - loopback URL
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"kb serve svarade inte på {url} inom {timeout} s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextmanager
def demo_server(root: Path, users: dict[str, tuple[str, str]] | None = None, *, port: int | None = None,
                settings: dict[str, str] | None = None) -> Iterator[DemoServer]:
    """`kb init` + `kb demo` in `root/instance`, extra `users` (name → (role, password)), `kb serve`.

    The server runs in its own process group on loopback (`port`, else a free one) and is stopped on
    exit. `settings` are KB_* variables for every command (e.g. an OpenID Connect provider).
    """
    instance = root / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_INSTANCE_PATH"] = str(instance)
    env.update(settings or {})
    kb = kb_command()

    def run(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run([kb, *args], env=env, input=stdin, capture_output=True, text=True,  # noqa: S603
                              timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"kb {' '.join(args)} misslyckades:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    run("init")
    found = re.search(r"lösenord:\s+(\S+)", run("demo"))
    if not found:
        raise RuntimeError("kb demo skrev inget lösenord för admin")
    for name, (role, password) in (users or {}).items():
        run("user", "create", name, "--role", role, "--password-stdin", stdin=password + "\n")

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([kb, "serve", "--host", "127.0.0.1", "--port", str(port)],  # noqa: S603
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(url, proc, log)
        yield DemoServer(url=url, admin_password=found.group(1), instance=instance)
    finally:
        _stop(proc)


def log_in(page, username: str, password: str) -> None:
    """Log in through the login form of a Playwright page, as a person does."""
    page.goto("/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("button", name="Logga ut").wait_for()
