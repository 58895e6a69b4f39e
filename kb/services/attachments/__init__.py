"""Attachments: check, store (in the database, with every version), list, delete, restore, export.

Folders of files (export, backup, the demo documents) are read and written by
kb.services.attachments.folder on top of `iter_for_export` and `import_version` (exchange).

A file is accepted only when its content is one of the allowed types (kb.constants.MediaType,
detected from magic bytes and, for zip containers, their manifest), its name's extension agrees
with that content, it is not empty and not larger than ATTACHMENT_MAX. Its text is read for
search in a bounded child process (kb.extract); a file whose text cannot be read is still stored,
with the reason. Every write adds a `Change` row for the search index and an audit event in the
same transaction, as for pages.

Approval: on a page under approval (kb.services.pages.under_approval) a new file, a new version, a
deletion or a restore is part of the page's draft: it adds a draft revision to the page, readers
(and search) keep the approved state (`Attachment.published_version`, `AttachmentVersion.public`)
until kb.services.governance approves the draft (`publish_pending`), and sending the draft back
discards it (`discard_pending`). Elsewhere a change is published at once.

Modules: files (checking a file), lookups (what readers and editors see), writes (upload, delete,
restore, publish or discard a draft's changes), exchange (export and import of versions), folder (a
folder of files for export, backup and the demo). Callers use the names re-exported here.
"""
from __future__ import annotations

from kb.services.attachments.exchange import ExportedAttachment, ExportedVersion, import_version, iter_for_export
from kb.services.attachments.files import (
    ALLOWED_SUMMARY,
    COMMENT_MAX,
    NAME_CHARS,
    check_file,
    detect_type,
    max_size,
    name_key,
    sanitise_filename,
)
from kb.services.attachments.lookups import (
    PendingChange,
    Shown,
    for_page,
    get,
    get_by_id,
    get_version,
    may_open,
    pending_change,
    pending_changes,
    reader_visible,
    shown_number,
    versions,
    visible,
)
from kb.services.attachments.writes import (
    delete,
    discard_pending,
    publish_pending,
    restore,
    upload,
    versioned_name,
)

__all__ = [
    "ALLOWED_SUMMARY", "COMMENT_MAX", "NAME_CHARS", "ExportedAttachment", "ExportedVersion", "PendingChange",
    "Shown", "check_file", "delete", "detect_type", "discard_pending", "for_page", "get", "get_by_id",
    "get_version", "import_version", "iter_for_export", "max_size", "may_open", "name_key", "pending_change",
    "pending_changes", "publish_pending", "reader_visible", "restore", "sanitise_filename", "shown_number",
    "upload", "versioned_name", "versions", "visible",
]
