"""WSGI entry point for production servers (waitress, gunicorn)."""
from kb import create_app

app = create_app()
