"""A throwaway PostgreSQL server for the tests, and fresh databases on any server.

`ThrowawayPostgres` runs Debian's (or PATH's) initdb and pg_ctl on a temporary data folder, listening
on 127.0.0.1 only with trust authentication: a server for one test session, never for real data.
As root it runs as the `postgres` OS user, since PostgreSQL refuses to run as root.

Start and stop need only the standard library, so `.ci/run` can use them before the venv exists:

    python3.11 tests/pg.py start FOLDER   # prints the server's URL and leaves it running
    python3.11 tests/pg.py stop FOLDER

`new_database`, `drop_database` and `track_engines` need psycopg or SQLAlchemy (imported only there).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SUPERUSER = "postgres"
# Debian installs each major version's server programs here, not on PATH.
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version> folders: newest last."""
    return tuple(int(part) for part in re.findall(r"\d+", path.name)) or (0,)


def find_pg_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's newest version, else the one on PATH."""
    candidates = [p / "bin" for p in sorted(DEBIAN_PG_ROOT.glob("*"), key=_version_key, reverse=True)]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL server on a temporary data folder and a free loopback port; use `with` or start/stop."""

    def __init__(self, folder: Path | str | None = None, bin_dir: Path | None = None) -> None:
        self._own_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="kb-pg-")).resolve()
        self.data = self.folder / "data"
        self.bin_dir = bin_dir or find_pg_bin()
        if self.bin_dir is None:
            raise RuntimeError("PostgreSQL saknas: initdb och pg_ctl hittades inte "
                               "(installera Debian-paketet postgresql)")
        self.port: int | None = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the server's `postgres` database."""
        if self.port is None:
            raise RuntimeError("servern är inte startad")
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> str:
        """Run a PostgreSQL program (as the postgres user when we are root); fail with its output."""
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            command = ([runuser, "-u", SUPERUSER, "--", *command] if runuser
                       else ["su", SUPERUSER, "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)])
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,  # noqa: S603
                              timeout=120, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} misslyckades ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _give_folder_to_postgres(self) -> None:
        """As root, hand the folder to the postgres user (the server must own its data folder)."""
        if os.geteuid() != 0:
            return
        import pwd

        try:
            account = pwd.getpwnam(SUPERUSER)
        except KeyError as exc:
            raise RuntimeError(f"PostgreSQL körs inte som root, och användaren {SUPERUSER} saknas") from exc
        for parent in self.folder.parents:
            if not parent.stat().st_mode & stat.S_IXOTH:
                raise RuntimeError(f"{parent} är stängd för användaren {SUPERUSER}: välj en mapp under /tmp")
        for path in [self.folder, *self.folder.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)

    def start(self) -> ThrowawayPostgres:
        """initdb (first time) and start the server; returns self."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._give_folder_to_postgres()
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync")
        self.port = free_port()
        # Loopback TCP and a unix socket in the data folder only; durability traded for speed (tests).
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k '{self.data}' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-o", options,
                  "-w", "-t", "60", "start")
        (self.folder / "port").write_text(f"{self.port}\n", encoding="utf-8")
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown); remove the folder if this object made it."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        self.port = None
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _with_database(url: str, name: str) -> str:
    """The same server URL with another database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin_connection(url: str):
    """An autocommit psycopg connection for CREATE/DROP DATABASE (which refuse transactions)."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                           password=parts.password, dbname=parts.path.lstrip("/") or "postgres",
                           autocommit=True, connect_timeout=10)


# Database name → SQLAlchemy engines that connected to it, once track_engines() is on. Held (not weak)
# until the drop: an engine collected earlier would leave its open connections to the garbage collector.
_engines: dict[str, set] | None = None


def track_engines() -> None:
    """Remember every SQLAlchemy engine that connects to PostgreSQL, so drop_database can close its pool."""
    global _engines
    if _engines is not None:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _engines = {}

    def remember(connection) -> None:
        if connection.engine.dialect.name == "postgresql":
            _engines.setdefault(connection.engine.url.database, set()).add(connection.engine)

    event.listen(Engine, "engine_connect", remember)


def new_database(base_url: str) -> str:
    """Create an empty, uniquely named database on the server of `base_url`; return its URL."""
    name = f"kb_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return _with_database(base_url, name)


def drop_database(url: str) -> None:
    """Drop the database of `url`: close tracked engines' pools, end any other sessions on it."""
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"kb_test_[0-9a-f]+", name):
        raise ValueError(f"vägrar ta bort en databas som inte är en testdatabas: {name}")
    for engine in (_engines or {}).pop(name, ()):
        engine.dispose()  # close its pooled connections now, not in the garbage collector
    with _admin_connection(_with_database(url, "postgres")) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str]) -> int:
    """`pg.py start FOLDER` (prints the URL) or `pg.py stop FOLDER`."""
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print("användning: pg.py start|stop MAPP", file=sys.stderr)
        return 2
    action, folder = argv
    server = ThrowawayPostgres(Path(folder))
    if action == "start":
        print(server.start().url)
    else:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
