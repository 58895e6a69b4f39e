"""Information pages that are not wiki content, and the site's icon."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("info", __name__)


@bp.get("/tillganglighet")
def accessibility():
    """The accessibility statement (tillgänglighetsredogörelse), open to everyone; whom to tell about a
    barrier is the installation's KB_CONTACT_EMAIL (or, without it, its administrator)."""
    return render_template("info/accessibility.html", contact=current_app.config["CONTACT_EMAIL"])


@bp.get("/favicon.ico")
def favicon():
    """The icon browsers and other tools ask for by default (pages link kb/static's SVG and ICO)."""
    return current_app.send_static_file("favicon.ico")
