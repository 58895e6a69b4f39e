"""Database models: one module per aggregate, all on the shared declarative Base.

Importing the models installs kb.models.guard, which refuses to store a personnummer anywhere.
"""
from __future__ import annotations

from kb.models import guard  # noqa: F401 - registers the personal-data guard on every session
from kb.models.areas import Area, AreaGrant
from kb.models.attachments import Attachment, AttachmentVersion
from kb.models.changes import Change
from kb.models.glossary import GlossaryRevision, GlossaryTerm
from kb.models.governance import Flag, Organisation, Review
from kb.models.links import LinkCheck
from kb.models.notifications import Digest, Notification, NotifiedChange, Watch
from kb.models.pages import Page, PageLink, Revision, SlugAlias
from kb.models.plans import ActionPlan, Activity, ActivityPage, CollaborationPlan, PlanRevision
from kb.models.reading import ReadConfirmation, ReadMark, RequiredReading
from kb.models.statistics import PageViewMonth, SearchWeek
from kb.models.templates import PageTemplate
from kb.models.users import AuditEvent, GroupRole, LoginAttempt, PasswordReset, User

__all__ = [
    "ActionPlan", "Activity", "Area", "AreaGrant", "ActivityPage", "Attachment", "AttachmentVersion", "AuditEvent",
    "CollaborationPlan", "Change", "Digest", "Flag", "GlossaryRevision", "GlossaryTerm",
    "GroupRole", "LinkCheck", "LoginAttempt", "Notification", "NotifiedChange", "Organisation", "Page", "PageLink",
    "PageTemplate", "PageViewMonth", "PasswordReset", "PlanRevision", "ReadConfirmation", "ReadMark",
    "RequiredReading", "Review", "Revision", "SearchWeek", "SlugAlias", "User", "Watch",
]
