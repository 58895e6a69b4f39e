"""A short load test with faults against a real `kb serve --workers 2` (the long one is bench/load.py).

Editors save their own pages through the edit form and readers read and search, while one worker is
killed with SIGKILL and the whole server is stopped and started again. Afterwards nothing the server
acknowledged may be missing, no response may be a 5xx, and the index must agree with the database.
"""
from __future__ import annotations

from factories import DATABASES

from bench.harness import KbServer
from bench.load import LoadTest, prepared_instance

EDITORS = 5
READERS = 10
SECONDS = 10


def test_killed_workers_and_a_restart_lose_no_acknowledged_edit(tmp_path):
    """With editors saving and readers searching, a worker killed mid-run and a server restart: is
    every acknowledged save in the history, no answer a 5xx, and every page's newest text found?"""
    if DATABASES:  # the suite on PostgreSQL (KB_TEST_DATABASE_URL): this instance gets its own database
        DATABASES.configure(tmp_path / "instance")
    instance = prepared_instance(tmp_path, EDITORS)
    with KbServer(instance, workers=2, threads=4) as server:
        load = LoadTest(instance, server, editors=EDITORS, readers=READERS, duration=SECONDS,
                        faults=((0.3, "kill-worker"), (0.6, "restart")))
        load.prepare()
        load.run()
        result = load.report()
    assert len(result["events"]) == 2, result["events"]
    assert result["server_errors"] == []
    assert {ack.slug for ack in load.tally.acks} == set(load.slugs), "every editor got saves through"
    assert result["other_saves"] == {}
    assert result["lost"] == []
    assert result["unfound"] == []
    assert result["index"] == []
