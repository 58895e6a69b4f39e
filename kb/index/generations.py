"""Index generations: where the index lives, opening it, and rebuilding it from the database.

Layout of INDEX_DIR:
    CURRENT           name of the active generation folder (replaced atomically on rebuild)
    gen-<time>-<pid>/ a Whoosh index plus `applied.json`: the change-log position it reflects

A rebuild writes a new generation and swaps CURRENT, so searches keep using the old one
until the new one is complete. Each process keeps one searcher per app and refreshes it
when the generation or the index changed; searches never take a writer lock. Following the
change log between rebuilds is kb.index.catchup's work.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, undefer
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from kb.constants import RevisionState
from kb.extensions import db
from kb.index.schema import (
    SCHEMA,
    activity_document,
    attachment_document,
    draft_document,
    draft_key,
    glossary_document,
    page_document,
    page_key,
    plan_document,
)
from kb.models import (
    ActionPlan,
    Activity,
    Attachment,
    AttachmentVersion,
    Change,
    GlossaryTerm,
    Page,
    Revision,
)
from kb.models.changes import WINDOW

log = logging.getLogger(__name__)

# Bump when the schema or analysis changes: an index of another version is rebuilt (7: `area`;
# 8: dictionary compound parts in `parts`, title abbreviations in `abbreviation`).
SCHEMA_VERSION = 8
CURRENT_FILE = "CURRENT"
APPLIED_FILE = "applied.json"
# Segments are written as separate files, not one compound file: Whoosh reads a file inside a
# compound (memory-mapped) segment by copying it into memory, so every worker process would hold
# its own copy of the postings and term files (60 MB at 10,000 pages). Separate files are
# read with ordinary file reads (from the page cache), nothing copied up front.
COMPOUND = False
# Attempts at a searcher whose files are all open while other processes keep merging.
PIN_ATTEMPTS = 5
# Attempts at opening an index whose table of contents another process just replaced.
OPEN_ATTEMPTS = 5
# Stored fields that show whether an index document is the current version of its row.
VERIFIED_FIELDS = ("kind", "slug", "title", "updated", "area")

Progress = Callable[[int, int], None]


@dataclass
class Applied:
    """The change-log position an index generation reflects: the highest applied id, and which ids
    of the last WINDOW (kb.models.changes) were applied (ids can become visible out of order)."""

    seq: int = 0
    window: set[int] = field(default_factory=set)
    version: int = SCHEMA_VERSION

    def pending(self, visible_ids: Iterable[int]) -> list[int]:
        """Ids among `visible_ids` this generation has not applied yet."""
        floor = self.seq - WINDOW
        return sorted(i for i in visible_ids if i > self.seq or (i > floor and i not in self.window))

    def advance(self, applied_ids: Iterable[int]) -> Applied:
        """The position after applying `applied_ids`."""
        ids = set(applied_ids)
        seq = max([self.seq, *ids])
        window = {i for i in self.window | ids if i > seq - WINDOW}
        return Applied(seq=seq, window=window)


class IndexState:
    """Per-app, per-process state: the open index, the shared searcher and caches keyed to it."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.lock = threading.RLock()
        self.pid = os.getpid()
        self.gen: str | None = None
        self.ix: Any = None
        # The open searcher, in a one-item list that a finalizer closes when this state is
        # dropped (an app that goes away): it holds open files (see COMPOUND), which should not
        # be left for the garbage collector to find.
        self._open: list[Searcher | None] = [None]
        weakref.finalize(self, _close_searcher, self._open)
        self.cache: dict[str, Any] = {}
        self.cache_key: tuple[str, int] | None = None
        self.last_check = 0.0
        self.merging = threading.Lock()

    @property
    def searcher(self) -> Searcher | None:
        """The searcher of the open generation, if one is open."""
        return self._open[0]

    @searcher.setter
    def searcher(self, value: Searcher | None) -> None:
        self._open[0] = value

    def reset(self) -> None:
        """Forget the open index (after a fork, a swap or an error)."""
        with self.lock:
            if self.searcher is not None:
                try:
                    self.searcher.close()
                except Exception:  # noqa: BLE001, S110 - closing a stale searcher may fail; nothing to do
                    pass
            self.gen, self.ix, self.searcher, self.cache, self.cache_key = None, None, None, {}, None


def _close_searcher(holder: list[Searcher | None]) -> None:
    """Close the searcher in `holder` (a dropped IndexState's), if any."""
    searcher, holder[0] = holder[0], None
    if searcher is not None:
        try:
            searcher.close()
        except Exception:  # noqa: BLE001, S110 - closing a stale searcher may fail; nothing to do
            pass


def init_app(app: Flask) -> None:
    """Attach the index state to the app; nothing is opened until first use."""
    app.config.setdefault("INDEX_DIR", str(Path(app.instance_path) / "index"))
    app.extensions["kb_index"] = IndexState(app.config["INDEX_DIR"])


def state(app: Flask) -> IndexState:
    """This process's index state for `app` (recreated after a fork)."""
    st: IndexState = app.extensions["kb_index"]
    if st.pid != os.getpid():
        st = app.extensions["kb_index"] = IndexState(app.config["INDEX_DIR"])
    return st


def current_generation(root: Path) -> str | None:
    """Name of the active generation folder, if there is a usable one."""
    try:
        name = (root / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name or not (root / name).is_dir():
        return None
    return name


def read_applied(gendir: Path) -> Applied:
    """The change-log position stored in a generation folder."""
    try:
        data = json.loads((gendir / APPLIED_FILE).read_text(encoding="utf-8"))
        return Applied(seq=int(data["seq"]), window={int(i) for i in data["window"]},
                       version=int(data.get("version", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return Applied(seq=0, window=set(), version=0)


def write_applied(gendir: Path, applied: Applied) -> None:
    """Store the position atomically (write a temp file, then rename)."""
    tmp = gendir / (APPLIED_FILE + ".tmp")
    data = {"seq": applied.seq, "window": sorted(applied.window), "version": SCHEMA_VERSION}
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, gendir / APPLIED_FILE)


def open_searcher(app: Flask) -> Searcher | None:
    """The process's searcher for the current generation, refreshed; None if there is no index."""
    st = state(app)
    with st.lock:
        gen = current_generation(st.root)
        if gen is None:
            st.reset()
            return None
        try:
            if gen != st.gen or st.searcher is None:
                st.reset()
                st.ix = open_index(st.root / gen)
                st.searcher = _pinned_searcher(st.ix)
                st.gen = gen
            elif st.ix.latest_generation() != st.searcher.reader().generation():
                # A fresh searcher rather than Searcher.refresh(): whoosh-reloaded 2.7.5's
                # reader reuse keeps segments with their old deletions, so an updated page
                # would show up twice.
                old, st.searcher = st.searcher, _pinned_searcher(st.ix)
                old.close()
        except Exception:  # noqa: BLE001 - a damaged or half-deleted index reads as "no index"
            log.exception("search index %s could not be opened", gen)
            st.reset()
            return None
        key = (gen, st.searcher.reader().generation())
        if key != st.cache_key:
            st.cache, st.cache_key = {}, key
        return st.searcher


def open_index(gendir: Path) -> Any:
    """Whoosh's open_dir, retried: it reads the newest table of contents it lists, and a commit in
    another process may delete that file in between (it removes the previous generation's)."""
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            return whoosh_index.open_dir(str(gendir))
        except FileNotFoundError:
            if attempt == OPEN_ATTEMPTS:
                raise
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


def _pinned_searcher(ix: Any) -> Searcher:
    """A searcher with every file of its segments open.

    Whoosh opens a segment's stored-fields and field-length files only when first needed. With
    segments in separate files (COMPOUND), a merge in another worker process may delete them
    before that, and a search would fail or score wrongly. So they are opened at once, and the
    searcher is kept only if no newer index generation was committed meanwhile (a merge deletes
    files only after committing one): then every file it needs was there and is now held open.
    """
    for _ in range(PIN_ATTEMPTS):
        searcher = ix.searcher()
        reader = searcher.reader()
        for segment_reader, _offset in reader.leaf_readers():
            perdoc = getattr(segment_reader, "_perdoc", None)  # another codec: nothing to pin
            if perdoc is None or not hasattr(perdoc, "_cached_reader"):
                continue
            columns = [("_stored", STORED_COLUMN)]
            columns += [(_lenfield(name), LENGTHS_COLUMN)
                        for name, f in searcher.schema.items() if f.scorable]
            for name, column in columns:
                if perdoc.has_column(name):
                    try:
                        perdoc._cached_reader(name, column)
                    except OSError:
                        break  # deleted meanwhile: the generation check below retries
        if ix.latest_generation() == reader.generation():
            return searcher
        searcher.close()
    return ix.searcher()  # still moving after several tries: a searcher as Whoosh gives it


def rebuild(app: Flask, progress: Progress | None = None, *, wait: bool = True) -> int:
    """Build a fresh index generation from the database, swap it in; return the document count.

    With `wait=False` it returns 0 at once when another process is already rebuilding.
    """
    st = state(app)
    st.root.mkdir(parents=True, exist_ok=True)
    rebuild_lock = FileStorage(str(st.root)).lock("KB_REBUILD")
    if not rebuild_lock.acquire(blocking=wait):
        return 0
    try:
        with app.app_context():
            return _rebuild_locked(app, st, progress)
    finally:
        rebuild_lock.release()


def _rebuild_locked(app: Flask, st: IndexState, progress: Progress | None) -> int:
    name = f"gen-{time.time_ns()}-{os.getpid()}"
    gendir = st.root / name
    gendir.mkdir()
    count = 0
    try:
        with Session(db.engine) as session:
            # Read the position *before* the rows: a change committed meanwhile is then
            # re-applied by the next catch-up instead of lost.
            seq = session.scalar(select(func.max(Change.id))) or 0
            window = set(session.scalars(select(Change.id).where(Change.id > seq - WINDOW)))
            total = _count_sources(session)
            ix = whoosh_index.create_in(str(gendir), SCHEMA)
            parallel = total > 2000 and (os.cpu_count() or 1) > 1
            procs = int(app.config.get("INDEX_PROCS") or (2 if parallel else 1))
            # With several processes each writes its own segment; merging them afterwards
            # would cost as much as the parallelism saved, so they stay separate.
            options = {"procs": procs, "multisegment": True} if procs > 1 else {}
            writer = ix.writer(limitmb=256, compound=COMPOUND, **options)
            try:
                for doc in source_documents(session):
                    writer.add_document(**doc)
                    count += 1
                    if progress and count % 100 == 0:
                        progress(count, total)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            write_applied(gendir, Applied(seq=seq, window=window))
        if progress:
            progress(count, total)
        tmp = st.root / (CURRENT_FILE + ".tmp")
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, st.root / CURRENT_FILE)
    except BaseException:
        shutil.rmtree(gendir, ignore_errors=True)
        raise
    _remove_old_generations(st.root, keep={name})
    st.reset()
    return count


def _remove_old_generations(root: Path, keep: set[str]) -> None:
    """Delete generations but the newest ones; the one just replaced stays for open searchers."""
    gens = sorted((p for p in root.iterdir() if p.is_dir() and p.name.startswith("gen-")),
                  key=lambda p: p.stat().st_mtime)
    old = [p for p in gens if p.name not in keep]
    for p in old[:-1]:  # the most recent old one may still be read by other processes
        shutil.rmtree(p, ignore_errors=True)


def unapproved_revisions():
    """(page id, newest Revision) of live pages whose newest revision is a draft or that were never
    approved: the pages that have a draft document."""
    newest = and_(Revision.page_id == Page.id, Revision.number == Page.revision_number)
    return (select(Page.id, Revision).join(Revision, newest)
            .where(Page.deleted.is_(False), or_(Revision.state == RevisionState.DRAFT.value,
                                                Page.published_revision_id.is_(None))))


def page_documents(page_id: int, page: Page | None, current: Revision | None,
                    authors: Iterable[str] = ()) -> list[tuple[str, dict[str, Any] | None]]:
    """A page's two documents: what readers see ("page"), and its newest text (`current`, given only
    when it waits for approval or the page was never approved: "draft"); None for one that should not
    exist. `authors` (of a page never approved) find its draft in their own searches."""
    live = page is not None and not page.deleted
    pending = live and current is not None and current.state == RevisionState.DRAFT.value
    published = live and page.published_revision_id is not None
    draft = live and current is not None and (pending or not published)
    return [(page_key(page_id), page_document(page, has_draft=draft) if published else None),
            (draft_key(page_id), draft_document(page, current, () if published else authors) if draft else None)]


def never_approved_authors(session: Session, page_id: int | None = None) -> dict[int, set[str]]:
    """{page id: usernames of everyone who wrote a version} of live pages never approved (one page's
    with `page_id`)."""
    rows = (select(Revision.page_id, Revision.author).join(Page, Revision.page_id == Page.id)
            .where(Page.deleted.is_(False), Page.published_revision_id.is_(None)).distinct())
    if page_id is not None:
        rows = rows.where(Page.id == page_id)
    out: dict[int, set[str]] = {}
    for pid, author in session.execute(rows):
        out.setdefault(pid, set()).add(author)
    return out


def source_documents(session: Session) -> Iterator[dict[str, Any]]:
    """Every document a full build indexes, built from the current rows: live pages, glossary
    terms, plans, activities and attachments."""
    unapproved = {page_id: rev for page_id, rev in session.execute(unapproved_revisions())}
    authors = never_approved_authors(session)
    live_pages = select(Page).where(Page.deleted.is_(False)).order_by(Page.id)
    for page in session.scalars(live_pages.execution_options(yield_per=500)):
        for _key, doc in page_documents(page.id, page, unapproved.get(page.id), authors.get(page.id, ())):
            if doc is not None:
                yield doc
    live_terms = select(GlossaryTerm).where(GlossaryTerm.deleted.is_(False)).order_by(GlossaryTerm.id)
    for term in session.scalars(live_terms):
        yield glossary_document(term)
    for plan in session.scalars(_live_plans()):
        yield plan_document(plan)
    for activity in session.scalars(_live_activities()):
        yield activity_document(activity)
    for attachment, version in session.execute(live_attachments().execution_options(yield_per=100)):
        yield attachment_document(attachment, version, attachment.page)


def _live_plans():
    return select(ActionPlan).where(ActionPlan.deleted.is_(False)).order_by(ActionPlan.id)


def _live_activities():
    return (select(Activity).join(ActionPlan, Activity.plan_id == ActionPlan.id)
            .where(Activity.deleted.is_(False), ActionPlan.deleted.is_(False)).order_by(Activity.id)
            .options(joinedload(Activity.plan), joinedload(Activity.responsible)))


def live_attachments():
    """(Attachment, its approved AttachmentVersion with the text) of attachments readers see, on live
    pages: a version waiting in a page's draft is not searchable until the draft is approved."""
    published = and_(AttachmentVersion.attachment_id == Attachment.id,
                     AttachmentVersion.number == Attachment.published_version)
    return (select(Attachment, AttachmentVersion).join(Page, Attachment.page_id == Page.id)
            .join(AttachmentVersion, published)
            .where(Attachment.published_version.is_not(None), Page.deleted.is_(False)).order_by(Attachment.id)
            .options(undefer(AttachmentVersion.text)))


def _count_sources(session: Session) -> int:
    pages = session.scalar(select(func.count(Page.id)).where(Page.deleted.is_(False))) or 0
    # A published page with a draft waiting has two documents (see page_documents).
    waiting = unapproved_revisions().where(Page.published_revision_id.is_not(None)).subquery()
    pages += session.scalar(select(func.count()).select_from(waiting)) or 0
    terms = session.scalar(select(func.count(GlossaryTerm.id)).where(GlossaryTerm.deleted.is_(False))) or 0
    plans = session.scalar(select(func.count()).select_from(_live_plans().subquery())) or 0
    activities = session.scalar(select(func.count()).select_from(_live_activities().subquery())) or 0
    attachments = session.scalar(select(func.count(Attachment.id)).join(Page, Attachment.page_id == Page.id)
                                 .where(Attachment.published_version.is_not(None), Page.deleted.is_(False))) or 0
    return pages + terms + plans + activities + attachments


def source_count(app: Flask) -> int:
    """How many documents a rebuild will index (live pages, terms, plans, activities, attachments)."""
    with app.app_context(), Session(db.engine) as session:
        return _count_sources(session)


def verify(app: Flask, limit: int = 100) -> list[str]:
    """How the current index generation differs from the database (at most `limit` problems, in
    Swedish for `kb reindex --check`); an empty list means they agree. Changes nothing."""
    searcher = open_searcher(app)
    if searcher is None:
        return ["Det finns inget sökindex."]
    problems: list[str] = []
    indexed: dict[str, tuple] = {}
    with state(app).lock:
        for stored in searcher.all_stored_fields():
            key = stored.get("id", "")
            if key in indexed:
                problems.append(f"{key} finns flera gånger i indexet.")
            indexed[key] = tuple(stored.get(f) for f in VERIFIED_FIELDS)
    with app.app_context(), Session(db.engine) as session:
        for doc in source_documents(session):
            found = indexed.pop(doc["id"], None)
            if found is None:
                problems.append(f"{doc['id']} ({doc['title']}) saknas i indexet.")
            elif found != tuple(doc.get(f) for f in VERIFIED_FIELDS):
                problems.append(f"{doc['id']} ({doc['title']}) är inaktuellt i indexet.")
    problems.extend(f"{key} finns i indexet men inte i databasen." for key in sorted(indexed))
    return problems[:limit]
