"""The `kb` command and the read API."""
from __future__ import annotations

import stat
from pathlib import Path

from factories import make_app, make_page

from kb import config as kbconfig
from kb import create_app
from kb.services import pages


def test_init_is_idempotent_and_generates_a_secret_key(tmp_path):
    """Does `kb init` create the instance with a private secret key, and is running it twice harmless?"""
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    key_file = tmp_path / "inst" / "secret_key"
    key = key_file.read_text()
    assert len(key.strip()) >= 40 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert runner.invoke(args=["init"]).exit_code == 0
    assert key_file.read_text() == key
    assert (tmp_path / "inst" / "kb.sqlite3").exists()


def test_env_settings_are_translated(tmp_path):
    """Are KB_* variables mapped onto configuration keys with types?"""
    env = {"KB_DATABASE_URL": "sqlite:///x.db", "KB_SECRET_KEY": "s", "KB_BODY_MAX": "5000",
           "KB_PUBLIC_READ": "true", "KB_INSTANCE_PATH": str(tmp_path)}
    out = kbconfig.env_overrides(env)
    assert out == {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "SECRET_KEY": "s", "BODY_MAX": 5000,
                   "PUBLIC_READ": True}
    assert kbconfig.instance_path_from_env(env) == str(tmp_path.resolve())


def test_instance_config_file_is_read(tmp_path):
    """Does instance/config.py override the defaults?"""
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "config.py").write_text("BODY_MAX = 1234\n")
    app = create_app({"INSTANCE_PATH": str(inst)})
    assert app.config["BODY_MAX"] == 1234
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("kb.sqlite3")


def test_demo_loads_once(tmp_path):
    """Does `kb demo` load the demo content into an empty base and refuse a second time?"""
    app = make_app(tmp_path / "inst")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert pages.count_pages() >= 25
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "redan innehåll" in again.output


def test_import_export_commands_report_errors_and_exit_nonzero(tmp_path):
    """Does `kb import` name the bad file, import the rest and exit non-zero with a summary?"""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "trasig.md").write_text("---\ntitle: [oavslutad\ntype: routine\n---\nText\n", encoding="utf-8")
    (folder / "hel.md").write_text("---\ntitle: Hel sida\ntype: article\n---\nText\n", encoding="utf-8")
    app = make_app(tmp_path / "inst")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "trasig.md" in result.output and "1 nya sidor" in result.output
    out = runner.invoke(args=["export", str(tmp_path / "out")])
    assert out.exit_code == 0 and (Path(tmp_path / "out") / "hel.md").exists()


def test_api_page_json(app):
    """Does GET /api/pages/<slug> return the page's fields as JSON?"""
    with app.app_context():
        make_page("Mini-Maria", "**Öppet** tisdagar\n", type="reception", summary="För unga")
    data = app.test_client().get("/api/pages/mini-maria").get_json()
    assert {k: data[k] for k in ("slug", "title", "type", "summary", "revision")} == {
        "slug": "mini-maria", "title": "Mini-Maria", "type": "reception", "summary": "För unga", "revision": 1}
    assert data["url"].endswith("/sida/mini-maria") and "<strong>Öppet</strong>" in data["html"]
    assert data["updated"].endswith("Z")


def test_api_unknown_or_invalid_slug_is_json_404(app):
    """Do unknown and invalid slugs get a JSON 404?"""
    client = app.test_client()
    for slug in ("finns-inte", "Ogiltig%20slug"):
        resp = client.get(f"/api/pages/{slug}")
        assert resp.status_code == 404 and resp.get_json()["status"] == 404


def test_accessibility_statement_is_linked_from_every_page(demo_app):
    """Is there a Swedish accessibility statement naming WCAG, linked from the footer, open to all?"""
    client = demo_app.test_client()
    body = client.get("/tillganglighet").get_data(as_text=True)
    assert "WCAG 2.1" in body and "Rapportera brister" in body and "Digg" in body
    assert 'href="/tillganglighet"' in client.get("/sida/sip").get_data(as_text=True)
