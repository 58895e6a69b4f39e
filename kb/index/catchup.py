"""Catch-up: applying the change log's pending rows to the current index generation.

Each save records a `Change` row in its transaction and then catches up; searches catch up at
most every CATCH_UP_INTERVAL seconds, for what other processes committed. Re-applying a change is
harmless: a row's *current* state decides its documents, not the change's op. Besides the highest
applied id a generation remembers which ids of the last WINDOW (kb.models.changes) it applied,
and re-checks that window.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.writing import MERGE_SMALL, NO_MERGE

from kb.constants import Entity
from kb.extensions import db
from kb.index.generations import (
    COMPOUND,
    SCHEMA_VERSION,
    Applied,
    IndexState,
    current_generation,
    live_attachments,
    never_approved_authors,
    open_index,
    open_searcher,
    page_documents,
    read_applied,
    rebuild,
    state,
    unapproved_revisions,
    write_applied,
)
from kb.index.schema import (
    activity_document,
    activity_key,
    attachment_document,
    attachment_key,
    glossary_document,
    glossary_key,
    plan_document,
    plan_key,
)
from kb.models import ActionPlan, Activity, Attachment, Change, GlossaryTerm, Page
from kb.models.changes import WINDOW

log = logging.getLogger(__name__)

# A save waits at most this long for another process's index write, then leaves the work
# to that process or the next catch-up.
WRITER_TIMEOUT = 1.0
# Segments (one per save) are merged in the background once there are this many.
MERGE_AT = 8
# How often a search checks whether other processes/instances committed changes.
CATCH_UP_INTERVAL = 2.0
# At most this many apply-and-look-again rounds per catch-up (see catch_up).
CATCH_UP_ROUNDS = 4


def _visible_ids(session: Session, applied: Applied) -> list[int]:
    """Change ids from the start of the re-check window on (one range query on the key)."""
    return list(session.scalars(select(Change.id).where(Change.id > applied.seq - WINDOW)))


def _load_documents(session: Session, entity: str, entity_id: int) -> list[tuple[str, dict[str, Any] | None]]:
    """(index key, current document or None when the row is gone or deleted) for each document of a row."""
    if entity == Entity.AREA.value:  # areas are no documents (hits name their area by id)
        return []
    if entity == Entity.PAGE.value:
        row = session.execute(unapproved_revisions().where(Page.id == entity_id)).first()
        page = session.get(Page, entity_id)
        never_approved = row is not None and page is not None and page.published_revision_id is None
        authors = never_approved_authors(session, entity_id).get(entity_id, ()) if never_approved else ()
        return page_documents(entity_id, page, row[1] if row else None, authors)
    return [_load_document(session, entity, entity_id)]


def _load_document(session: Session, entity: str, entity_id: int) -> tuple[str, dict[str, Any] | None]:
    """(index key, current document or None when the row is gone or deleted) of a row other than a page."""
    if entity == Entity.GLOSSARY.value:
        term = session.get(GlossaryTerm, entity_id)
        live = term is not None and not term.deleted
        return glossary_key(entity_id), (glossary_document(term) if live else None)
    if entity == Entity.ACTIVITY.value:
        activity = session.get(Activity, entity_id)
        live = activity is not None and not activity.deleted and not activity.plan.deleted
        return activity_key(entity_id), (activity_document(activity) if live else None)
    if entity == Entity.PLAN.value:
        plan = session.get(ActionPlan, entity_id)
        return plan_key(entity_id), (plan_document(plan) if plan is not None and not plan.deleted else None)
    if entity == Entity.ATTACHMENT.value:
        row = session.execute(live_attachments().where(Attachment.id == entity_id)).first()
        return attachment_key(entity_id), (attachment_document(row[0], row[1], row[0].page) if row else None)
    return f"{entity}:{entity_id}", None


def catch_up(app: Flask, *, wait: float = WRITER_TIMEOUT) -> int:
    """Apply pending change-log rows to this app's index; return how many were applied.

    Cheap when nothing is pending (one range query on the change table). Never raises for a
    busy index: if another writer holds the lock for more than `wait` seconds it returns 0
    and that process, or the next call, applies the changes.
    """
    # A process that finds the catch-up lock taken leaves its change to the holder, but the
    # holder may have read the change log before that change committed. So whoever applied
    # something looks again after releasing the lock: with several workers on one index, a
    # save is then searchable at once instead of after the next search's catch-up check.
    total = 0
    for _ in range(CATCH_UP_ROUNDS):
        applied = _catch_up_once(app, wait)
        total += applied
        if not applied:
            break
    return total


def _catch_up_once(app: Flask, wait: float) -> int:
    st = state(app)
    with app.app_context():
        gen = current_generation(st.root)
        applied = read_applied(st.root / gen) if gen else None
        if gen is None or applied is None or applied.version != SCHEMA_VERSION:
            # No usable index (new instance, deleted folder, older schema): a full build
            # covers every change there is.
            rebuild(app, wait=False)
            return 0
        gendir = st.root / gen
        with Session(db.engine) as session:
            if not applied.pending(_visible_ids(session, applied)):
                return 0
            storage = FileStorage(str(gendir))
            catchup_lock = storage.lock("KB_CATCHUP")
            if not catchup_lock.acquire(blocking=False):
                return 0  # another process is applying; it or the next call will get these too
            try:
                applied = read_applied(gendir)  # another process may have moved it meanwhile
                rows = session.execute(select(Change.id, Change.entity, Change.entity_id)
                                       .where(Change.id > applied.seq - WINDOW).order_by(Change.id)).all()
                pending = applied.pending(row.id for row in rows)
                if not pending:
                    return 0
                wanted = set(pending)
                # Each entity once, in change order: its *current* row decides, not the op.
                targets = dict.fromkeys((row.entity, row.entity_id) for row in rows if row.id in wanted)
                ix = open_index(gendir)
                try:
                    writer = ix.writer(timeout=wait, compound=COMPOUND)
                except LockError:
                    return 0
                try:
                    for entity, entity_id in targets:
                        for key, doc in _load_documents(session, entity, entity_id):
                            if doc is None:
                                writer.delete_by_term("id", key)
                            else:
                                writer.update_document(**doc)
                except BaseException:
                    writer.cancel()
                    raise
                # No merging here: merging segments costs far more than writing a page, so a
                # save would pay for it; a background thread merges once segments pile up.
                writer.commit(mergetype=NO_MERGE)
                write_applied(gendir, applied.advance(pending))
                segments = len(ix._segments())  # whoosh has no public segment count
            finally:
                catchup_lock.release()
    if segments >= MERGE_AT:
        merge_in_background(st, gendir, app)
    return len(pending)


def merge_in_background(st: IndexState, gendir: Path, app: Flask | None = None) -> threading.Thread | None:
    """Merge small segments in a daemon thread (one at a time per process); skip if busy.

    With `app`, the thread catches up afterwards: saves that found the writer lock held by the
    merge left their changes pending.
    """
    if not st.merging.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            writer = open_index(gendir).writer(timeout=0, compound=COMPOUND)
            writer.commit(mergetype=MERGE_SMALL)
        except LockError:
            pass  # another writer is busy; the next catch-up tries again
        except Exception:  # noqa: BLE001 - merging is an optimisation; the index stays valid
            log.exception("merging search index segments failed")
        finally:
            st.merging.release()
        if app is not None:
            try:
                catch_up(app, wait=0)
            except Exception:  # noqa: BLE001 - the change log keeps the changes for the next catch-up
                log.exception("search index catch-up after merging failed")

    thread = threading.Thread(target=run, name="kb-index-merge", daemon=True)
    thread.start()
    return thread


def maybe_catch_up(app: Flask) -> None:
    """From a search: at most every CATCH_UP_INTERVAL seconds, apply what others committed."""
    st = state(app)
    now = time.monotonic()
    if now - st.last_check < app.config.get("INDEX_CATCH_UP_INTERVAL", CATCH_UP_INTERVAL):
        return
    st.last_check = now
    try:
        catch_up(app, wait=0)  # a search never waits for a writer
    except Exception:  # noqa: BLE001 - a search still answers from the index it has
        log.exception("search index catch-up failed")


def status(app: Flask) -> dict[str, Any]:
    """Where the index stands: generation, applied position, documents, pending changes."""
    st = state(app)
    gen = current_generation(st.root)
    out: dict[str, Any] = {"dir": str(st.root), "generation": gen, "documents": 0, "seq": 0, "pending": 0}
    if gen is None:
        return out
    applied = read_applied(st.root / gen)
    out["seq"] = applied.seq
    with app.app_context(), Session(db.engine) as session:
        out["pending"] = len(applied.pending(_visible_ids(session, applied)))
    searcher = open_searcher(app)
    if searcher is not None:
        with st.lock:
            out["documents"] = searcher.doc_count()
    return out
