"""Information pages that are not wiki content (accessibility, personal data), and the site's icon."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from kb.services import retention

bp = Blueprint("info", __name__)


@bp.get("/tillganglighet")
def accessibility():
    """The accessibility statement (tillgänglighetsredogörelse), open to everyone; whom to tell about a
    barrier is the installation's KB_CONTACT_EMAIL (or, without it, its administrator)."""
    return render_template("info/accessibility.html", contact=current_app.config["CONTACT_EMAIL"])


@bp.get("/personuppgifter")
def privacy():
    """What kb stores about people and for how long, in plain Swedish; the periods are the ones the
    clean-up uses (kb.services.retention), so the page and the behaviour cannot drift apart."""
    return render_template("info/privacy.html", contact=current_app.config["CONTACT_EMAIL"],
                           login_log_days=retention.login_log_days(), address_days=retention.address_days(),
                           stats_days=retention.stats_days())


@bp.get("/favicon.ico")
def favicon():
    """The icon browsers and other tools ask for by default (pages link kb/static's SVG and ICO)."""
    return current_app.send_static_file("favicon.ico")
