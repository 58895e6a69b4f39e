"""The search index follows the database: saves, crashes, lost folders, several processes, locks."""
from __future__ import annotations

import shutil
from pathlib import Path

from factories import edit_page, make_app, make_page
from sqlalchemy import event, insert, select
from whoosh import index as whoosh_index

from kb import create_app, index
from kb.constants import ChangeOp, Entity
from kb.extensions import db
from kb.index import generations
from kb.models import Change, Page, Revision
from kb.services import changes, glossary, pages


def found(app, query: str, **kw) -> list[str]:
    """Slugs of the pages a search finds, best first."""
    with app.app_context():
        return [h.slug for h in index.search(query, kinds=("page",), **kw).hits]


def index_dir(app) -> Path:
    """The app's index folder."""
    return Path(app.config["INDEX_DIR"])


def edit_behind_the_index(app, slug: str, text: str) -> None:
    """Change a page and log it, committed, but without letting the index catch up (a crash)."""
    with app.app_context():
        page = pages.get(slug)
        page.text = text
        changes.record(Entity.PAGE, page.id, ChangeOp.UPSERT, "krasch")
        db.session.commit()


def test_a_saved_page_is_found_right_after_saving(app):
    """Can staff find a page as soon as it has been saved, and its new words after an edit?"""
    with app.app_context():
        page = make_page("Rutin för läkemedelsgenomgång", "Genomgången görs vid inskrivning.\n",
                         summary="Hur läkemedel gås igenom.")
        assert found(app, "läkemedelsgenomgång") == ["rutin-for-lakemedelsgenomgang"]
        edit_page(page, "Nu gäller rutinen även vid hemgång från sjukhuset.\n")
    assert found(app, "hemgång") == ["rutin-for-lakemedelsgenomgang"]
    assert found(app, "inskrivning") == []


def test_a_deleted_page_leaves_the_results_and_a_restored_one_returns(app):
    """Does deleting a page remove it from search, and restoring bring it back?"""
    with app.app_context():
        page = make_page("Nattpatrullen", "Nattpatrullen åker ut vid larm.\n")
        pages.delete_page(page, author="testare")
        assert found(app, "nattpatrullen") == []
        pages.restore_page(page, author="testare")
    assert found(app, "nattpatrullen") == ["nattpatrullen"]


def test_a_crash_between_commit_and_index_write_loses_nothing(tmp_path):
    """If the process dies after the database commit, does the next process catch the index up?"""
    first = make_app(tmp_path / "inst")
    with first.app_context():
        make_page("Korttidsboende", "Platser för korttidsvård.\n")
    edit_behind_the_index(first, "korttidsboende", "Platser för växelvård och avlastning.")

    restarted = create_app({"INSTANCE_PATH": str(tmp_path / "inst"), "TESTING": True})
    assert index.catch_up(restarted) == 1
    assert found(restarted, "avlastning") == ["korttidsboende"]
    assert index.catch_up(restarted) == 0


def test_a_search_applies_changes_another_process_committed(tmp_path):
    """Does a search notice changes that no process has applied yet, without anyone calling catch_up?"""
    app = make_app(tmp_path / "inst", INDEX_CATCH_UP_INTERVAL=0)
    with app.app_context():
        make_page("Hemsjukvård", "Kommunal hälso- och sjukvård i hemmet.\n")
    edit_behind_the_index(app, "hemsjukvard", "Kommunal primärvård med trygghetslarm.")
    assert found(app, "trygghetslarm") == ["hemsjukvard"]


def test_a_deleted_index_folder_is_rebuilt_from_the_database(app):
    """If someone deletes the index folder, is it rebuilt on the next search with everything in it?"""
    with app.app_context():
        make_page("Mini-Maria", "Mottagning för unga med riskbruk.\n", type="reception")
    shutil.rmtree(index_dir(app))
    assert found(app, "riskbruk") == ["mini-maria"]
    assert generations.current_generation(index_dir(app)) is not None


def test_a_damaged_generation_pointer_means_a_rebuild(app):
    """Does a CURRENT file that points nowhere lead to a rebuild instead of an error?"""
    with app.app_context():
        make_page("Socialmedicinsk mottagning", "För vuxna med beroende.\n", type="reception")
    (index_dir(app) / generations.CURRENT_FILE).write_text("gen-finns-inte")
    assert found(app, "beroende") == ["socialmedicinsk-mottagning"]


def test_two_app_instances_share_the_database_with_their_own_index_folders(tmp_path):
    """Do two instances (say two servers) on one database each find what the other saved?"""
    one = make_app(tmp_path / "one")
    two = make_app(tmp_path / "two", SQLALCHEMY_DATABASE_URI=one.config["SQLALCHEMY_DATABASE_URI"])
    assert index_dir(one) != index_dir(two)
    with one.app_context():
        make_page("Fallprevention", "Förebygg fall hos äldre.\n")
    with two.app_context():
        make_page("Nutrition", "Måltider och näringsdryck.\n")
    index.catch_up(one)
    index.catch_up(two)
    assert found(one, "näringsdryck") == ["nutrition"]
    assert found(two, "fall") == ["fallprevention"]


def test_a_held_writer_lock_never_reaches_the_user(app):
    """While another process holds the index lock, do saves and searches still work, and catch up later?"""
    with app.app_context():
        make_page("Stöd i livets slutskede", "Palliativ vård i hemmet.\n")
    gendir = index_dir(app) / generations.current_generation(index_dir(app))
    other = whoosh_index.open_dir(str(gendir)).writer()  # "another process" holding the lock
    try:
        with app.app_context():
            make_page("Anhörigstöd", "Stöd till anhöriga som vårdar.\n")  # must not raise
            assert index.catch_up(app) == 0
        assert found(app, "palliativ") == ["stod-i-livets-slutskede"]  # searches do not wait
    finally:
        other.cancel()
    assert index.catch_up(app) == 1
    assert found(app, "anhöriga") == ["anhorigstod"]


def test_a_change_that_becomes_visible_late_is_still_applied(app):
    """On PostgreSQL an earlier id can commit after a later one: is it applied when it shows up?"""
    with app.app_context():
        early = make_page("Akutläkarbil", "Bilen kör ut till patienter.\n")
        late = make_page("Mobilt team", "Teamet gör hembesök.\n")
        seq = db.session.scalar(select(Change.id).order_by(Change.id.desc()).limit(1))
        # id seq+2 commits first and is applied ...
        late.text = "Teamet gör hembesök på kvällar."
        db.session.execute(insert(Change).values(id=seq + 2, entity="page", entity_id=late.id, op="upsert"))
        db.session.commit()
        assert index.catch_up(app) == 1
        # ... then seq+1, from a transaction that took longer, becomes visible.
        early.text = "Bilen kör ut på nätter."
        db.session.execute(insert(Change).values(id=seq + 1, entity="page", entity_id=early.id, op="upsert"))
        db.session.commit()
        assert index.catch_up(app) == 1
    assert found(app, "nätter") == ["akutlakarbil"]
    assert found(app, "kvällar") == ["mobilt-team"]


def test_catching_up_with_nothing_pending_is_one_small_query(app):
    """Is the catch-up after every save cheap when nothing is pending (one query, no index writes)?"""
    with app.app_context():
        make_page("Elevhälsa", "Skolsköterska och kurator.\n")
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert index.catch_up(app) == 0
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and "change" in statements[0].lower()


def test_rebuild_swaps_in_a_new_generation_and_cleans_up(app):
    """Does `rebuild` build beside the old index, switch over, and keep at most the previous one?"""
    with app.app_context():
        make_page("Demens", "Proaktiv SIP vid demensdiagnos.\n")
    assert found(app, "demensdiagnos") == ["demens"]
    before = generations.current_generation(index_dir(app))
    for _ in range(3):
        index.rebuild(app)
    after = generations.current_generation(index_dir(app))
    assert after != before
    folders = [p for p in index_dir(app).iterdir() if p.is_dir() and p.name.startswith("gen-")]
    assert len(folders) <= 2
    assert found(app, "demensdiagnos") == ["demens"]
    assert index.status(app)["pending"] == 0


def test_rebuild_reports_progress_and_counts_pages_and_glossary(app):
    """Does a rebuild report progress up to the number of documents it indexed?"""
    with app.app_context():
        make_page("Rehab", "Rehabilitering.\n")
        glossary.upsert(glossary.TermData("MAR", "Medicinskt ansvarig för rehabilitering"))
    seen: list[tuple[int, int]] = []
    assert index.rebuild(app, progress=lambda done, total: seen.append((done, total))) == 2
    assert seen[-1] == (2, 2)
    assert index.source_count(app) == 2


def test_a_glossary_change_reaches_the_synonyms(app):
    """When an abbreviation is added to the glossary, does it find pages that only spell it out?"""
    with app.app_context():
        make_page("Familjecentral", "Här arbetar vi med familjecentrerat arbetssätt.\n")
        assert found(app, "FCA") == []
        glossary.upsert(glossary.TermData("FCA", "Familjecentrerat arbetssätt"))
    assert found(app, "FCA") == ["familjecentral"]


def published_row(**values) -> Page:
    """A page and its one published revision written straight to the database (no change logged)."""
    page = Page(tags=[], target_groups=[], revision_number=1, **values)
    db.session.add(page)
    db.session.flush()
    rev = Revision(page_id=page.id, number=1, title=page.title, type=page.type, fields=page.fields)
    db.session.add(rev)
    db.session.flush()
    page.published_revision_id = rev.id
    db.session.commit()
    return page


def test_pages_written_straight_to_the_database_are_indexed_by_a_rebuild(app):
    """Does `rebuild` index what is in the database even if no change was logged for it?"""
    with app.app_context():
        published_row(slug="importerad", title="Importerad sida", type="article", text="Bulkimport.",
                      fields={})
    assert found(app, "bulkimport") == []
    index.rebuild(app)
    assert found(app, "bulkimport") == ["importerad"]


def test_a_deleted_glossary_term_stops_acting_as_a_synonym(app):
    """When an abbreviation is removed from the glossary, do its synonyms and its entry leave search?"""
    with app.app_context():
        make_page("Familjecentral", "Här arbetar vi med familjecentrerat arbetssätt.\n")
        glossary.upsert(glossary.TermData("FCA", "Familjecentrerat arbetssätt"))
        assert found(app, "FCA") == ["familjecentral"]
        glossary.delete("FCA", author="testare")
        assert found(app, "FCA") == []
        assert index.search("FCA", kinds=("glossary",)).total == 0


def test_drafts_are_hidden_unless_asked_for(app):
    """Is a page whose status is "utkast" left out of ordinary searches but found with include_drafts?"""
    with app.app_context():
        published_row(slug="utkast-rutin", title="Rutin för nattpatrull", type="routine", text="Nattpatrull.",
                      fields={"status": "utkast"})
    index.rebuild(app)
    assert found(app, "nattpatrull") == []
    assert found(app, "nattpatrull", include_drafts=True) == ["utkast-rutin"]


def test_our_scores_are_whooshs_bm25f(app):
    """Does the fast scorer give the same scores as Whoosh's own BM25F search for a planned query?"""
    from kb.index import searching
    from kb.index.query import plan
    from kb.index.scoring import Scorer

    with app.app_context():
        make_page("SIP för barn", "Kalla till SIP när barnet behöver insatser.\n", tags=["sip"])
        make_page("Samordnad individuell plan", "En plan som samordnas mellan region och kommun.\n")
        make_page("Äldre och SIP", "SIP för äldre med demens. SIP SIP.\n", summary="Om SIP.")
        glossary.upsert(glossary.TermData("SIP", "Samordnad individuell plan"))
        searcher = generations.open_searcher(app)
        for text in ("SIP", "samordnad plan", "aldre"):
            q = plan(text, searching._synonyms(app, searcher)).strict().scoring
            theirs = {d: s for d, s in searcher.search(q, limit=None).items()}
            ours = Scorer(searcher).scores(q, frozenset(range(searcher.doc_count_all())))
            assert ours.keys() == theirs.keys(), text
            assert all(abs(ours[d] - theirs[d]) < 1e-6 * max(1.0, theirs[d]) for d in ours), text
