"""Error pages in Swedish; JSON for the API (the exceptions themselves: kb.exceptions)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kb.exceptions import ValidationError
from kb.extensions import db

MESSAGES = {
    400: ("Felaktig begäran", "Begäran kunde inte behandlas. Ladda om sidan och försök igen."),
    403: ("Åtkomst nekad", "Du har inte behörighet att göra detta."),
    404: ("Sidan finns inte", "Vi hittade ingen sida på den adressen."),
    405: ("Metoden stöds inte", "Den här adressen kan inte användas så."),
    413: ("För stor begäran", "Det du skickade är för stort."),
    429: ("För många försök", "Vänta en stund och försök igen."),
    500: ("Något gick fel", "Ett oväntat fel inträffade. Försök igen om en stund."),
}


REFUSED_TITLE = "Uppgifterna kunde inte sparas"


def _wants_json() -> bool:
    """The API, and the editor's requests from JavaScript (which ask for JSON): errors as JSON."""
    if request.path.startswith("/api/"):
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def handle_http(exc: HTTPException):
    """Render an HTTP error as a Swedish page, or as JSON (under /api/, or asked for)."""
    code = exc.code or 500
    title, text = MESSAGES.get(code, (exc.name, exc.description or ""))
    if code == 400 and "CSRF" in (exc.description or ""):
        text = "Formuläret hade gått ut eller saknade säkerhetstoken. Ladda om sidan och försök igen."
    if _wants_json():
        return jsonify(error=title, message=text, status=code), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def handle_refused(exc: ValidationError):
    """A refusal no view turned into a field error (e.g. the personal-data guard behind a form that
    did not expect it): undo the unfinished writes and say why, as a page or as JSON under /api/."""
    db.session.rollback()
    text = " ".join(exc.errors.values())
    if _wants_json():
        return jsonify(error=REFUSED_TITLE, message=text, errors=exc.errors, status=422), 422
    return render_template("errors/error.html", code=422, title=REFUSED_TITLE, text=text), 422


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(ValidationError, handle_refused)
