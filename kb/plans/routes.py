"""Views for collaboration plans, action plans and activities (thin: logic in kb.services.plans)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans", __name__)
