"""Attachments: files on pages (the domain logic lives in kb.services.attachments)."""
