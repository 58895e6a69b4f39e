"""Information pages that are not wiki content."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("info", __name__)


@bp.get("/tillganglighet")
def accessibility():
    """The accessibility statement (tillgänglighetsredogörelse), open to everyone."""
    return render_template("info/accessibility.html")
