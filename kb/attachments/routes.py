"""Views for attachments: upload, versions, download (thin: logic in kb.services.attachments)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attachments", __name__)
