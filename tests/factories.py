"""Test helpers: apps on temporary instances, clients with CSRF tokens, pages made through services."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from flask.testing import FlaskClient
from pg import drop_database, new_database, track_engines

from kb import create_app
from kb.services import pages
from kb.services.instance import init_instance

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class KBClient(FlaskClient):
    """A test client that adds a valid CSRF token to form POSTs, as a browser with the form would."""

    _token: str | None = None

    def csrf_token(self) -> str:
        """Fetch a token from a page with a form (tied to this client's session)."""
        if self._token is None:
            html = super().open("/logga-in").get_data(as_text=True)
            match = TOKEN_RE.search(html)
            assert match, "no CSRF token on /logga-in"
            self._token = match.group(1)
        return self._token

    def open(self, *args, **kwargs):  # noqa: D102 - FlaskClient API
        method = kwargs.get("method", "GET")
        data = kwargs.get("data")
        if method == "POST" and isinstance(data, dict) and kwargs.pop("with_csrf", True) \
                and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        kwargs.pop("with_csrf", None)
        return super().open(*args, **kwargs)


class PostgresDatabases:
    """Fresh PostgreSQL databases for test instances (KB_TEST_DATABASE_URL), dropped after use.

    Each new instance folder gets its own empty database, written to its instance/config.py as a
    real installation would, so a second app on the same folder (or a `kb` subprocess) shares it.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.created: list[str] = []  # in order of creation
        track_engines()  # so that drop_database closes the pools of every app on a database first

    def configure(self, instance: Path) -> None:
        """Give a new instance folder its own database (an existing folder keeps its own)."""
        settings = instance / "config.py"
        if settings.exists():
            return
        url = new_database(self.base_url)
        self.created.append(url)
        instance.mkdir(parents=True, exist_ok=True)
        settings.write_text(f"SQLALCHEMY_DATABASE_URI = {url!r}\n", encoding="utf-8")

    def drop_since(self, mark: int) -> None:
        """Drop the databases created after `mark` (a length of `created`), newest first."""
        if len(self.created) > mark:
            wait_for_background_threads()
        while len(self.created) > mark:
            drop_database(self.created.pop())


def wait_for_background_threads(timeout: float = 30) -> None:
    """Let kb's background threads finish (an index merge catches up through the database afterwards)."""
    for thread in threading.enumerate():
        if thread.name.startswith("kb-") and thread is not threading.current_thread():
            thread.join(timeout)


# Read once: the PostgreSQL server to run the suite against (unset: SQLite files, the quick default).
TEST_DATABASE_URL = os.environ.get("KB_TEST_DATABASE_URL", "")
DATABASES = PostgresDatabases(TEST_DATABASE_URL) if TEST_DATABASE_URL else None


def make_app(instance: Path, *, init: bool = True, **config):
    """A fresh app on `instance` (its own database on PostgreSQL), initialised unless `init=False`."""
    if DATABASES and "SQLALCHEMY_DATABASE_URI" not in config:
        DATABASES.configure(instance)
    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True, **config})
    app.test_client_class = KBClient
    if init:
        with app.app_context():
            init_instance(app)
    return app




def make_user(username: str, role=None, *, areas: dict[str, str] | None = None) -> object:
    """Create an account (role: a kb.constants.Role or its name) with roles in areas ({key: role})."""
    from kb.constants import AreaRole, Role
    from kb.services import areas as area_service
    from kb.services import users

    role = role if isinstance(role, Role) else Role.parse(role or "läsare")
    user = users.create(username, PASSWORD, role)
    for key, area_role in (areas or {}).items():
        area_service.grant(username, key, AreaRole.parse(area_role))
    return user


def make_page(title: str = "Testsida", source: str = "Text.\n", type: str = "article", **kw) -> object:
    """Create a page through the page service and return it.

    A page of a type that needs approval (routines) is created approved, as an import creates it,
    unless `approved=False` (then it is a draft that only editors see).
    """
    data = pages.PageData(title=title, type=type, source=source, summary=kw.pop("summary", ""),
                          tags=kw.pop("tags", []), target_groups=kw.pop("target_groups", []),
                          slug=kw.pop("slug", None), area_id=kw.pop("area_id", None))
    author = kw.pop("author", "testare")
    approved = kw.pop("approved", True) and pages.requires_approval(type)
    return pages.create_page(data, author=author, comment=kw.pop("comment", ""),
                             approval=pages.Approval(by=author) if approved else None)


def edit_page(page, source: str, author: str = "testare", approved: bool = True, **changes) -> object:
    """Save a new revision of a page with new source (and optional other fields).

    For a type that needs approval the revision is approved at once (as an import approves it),
    unless `approved=False` (then it is a draft).
    """
    data = pages.PageData(title=changes.get("title", page.title), type=changes.get("type", page.type),
                          source=source, summary=changes.get("summary", page.summary),
                          tags=changes.get("tags", list(page.tags)),
                          target_groups=changes.get("target_groups", list(page.target_groups)),
                          slug=changes.get("slug"))
    needs = pages.requires_approval(data.type) or pages.requires_approval(page.type)
    approval = pages.Approval(by=author) if approved and needs else None
    return pages.update_page(page, data, base_revision=page.revision_number, author=author, approval=approval)


PASSWORD = "Rätt-häftig-fras-2026"


def login(app, username: str, role: str = "redaktör"):
    """A client logged in as a (new) user with this role."""
    from kb.constants import Role
    from kb.services import users

    with app.app_context():
        if users.get(username) is None:
            users.create(username, PASSWORD, Role.parse(role))
    client = app.test_client()
    resp = client.post("/logga-in", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client
