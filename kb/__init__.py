"""kb – kunskapsbank för vårdsamverkan. `create_app` is the only way to get an app."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from kb import config as kbconfig


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, instance/config.py, KB_* variables, then `config` (tests)."""
    config = dict(config or {})
    instance_path = (
        config.pop("INSTANCE_PATH", None)
        or kbconfig.instance_path_from_env(dict(os.environ))
        or str(Path.cwd() / "instance")
    )
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    app.config.from_mapping(kbconfig.DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "kb.sqlite3")
    app.config["INDEX_DIR"] = str(Path(app.instance_path) / "index")
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(kbconfig.env_overrides(dict(os.environ)))
    app.config.update(config)
    kbconfig.fit_upload_limit(app.config)
    kbconfig.check_image_hosts(app.config)
    if not app.config.get("SECRET_KEY"):
        # Generated on `kb init`; created lazily here so a first `kb serve` still works.
        app.config["SECRET_KEY"] = kbconfig.load_or_create_secret_key(app.instance_path, create=True)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True

    from kb import caching, cli, database, errorpages, index, pagecache, security, templating
    from kb.admin import routes as admin
    from kb.api import routes as api
    from kb.areas import routes as areas
    from kb.attachments import routes as attachments
    from kb.auth import guards, oidc
    from kb.auth import routes as auth
    from kb.extensions import csrf, db, login_manager, migrate
    from kb.feeds import routes as feeds
    from kb.glossary import routes as glossary_routes
    from kb.governance import routes as governance_routes
    from kb.info import routes as info
    from kb.me import routes as me_routes
    from kb.models.users import AnonymousUser
    from kb.pages import routes as pages
    from kb.plans import routes as plans
    from kb.reading import routes as reading
    from kb.search import routes as search
    from kb.statistics import routes as statistics_routes

    db.init_app(app)
    # Alembic migrations ship inside the package; batch mode lets SQLite alter tables.
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    app.url_map.converters["int"] = database.IdConverter  # ids beyond PostgreSQL's INTEGER are a 404
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.anonymous_user = AnonymousUser
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.login_message_category = "info"
    security.init_app(app)
    guards.init_app(app)
    oidc.init_app(app)
    templating.init_app(app)
    caching.init_app(app)
    pagecache.init_app(app)
    index.init_app(app)
    errorpages.init_app(app)
    cli.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(info.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(glossary_routes.bp)
    app.register_blueprint(governance_routes.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(me_routes.bp)
    app.register_blueprint(areas.bp)
    app.register_blueprint(statistics_routes.bp)
    feeds.init_app(app)
    app.register_blueprint(reading.bp)
    csrf.exempt(api.bp)
    security.trust_proxies(app)  # outermost, so every layer sees the visitor's own address
    return app
