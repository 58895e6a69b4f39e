"""Names declared once: page types, change operations, target groups, roles."""
from __future__ import annotations

import enum

_AAO = str.maketrans("åäö", "aao")


def fold_name(value: object) -> str:
    """A name compared loosely: lower case, spaces collapsed, å/ä/ö as a/a/o ("Pågår" → "pagar")."""
    return " ".join(str(value or "").lower().translate(_AAO).split())


class PageType(str, enum.Enum):
    """The kinds of page the knowledge base holds."""

    STRUCTURE = "structure"
    RECEPTION = "reception"
    ROUTINE = "routine"
    ORIENTATION = "orientation"
    ARTICLE = "article"

    @property
    def label(self) -> str:
        """Swedish singular name."""
        return PAGE_TYPE_LABELS[self][0]

    @property
    def plural(self) -> str:
        """Swedish plural name."""
        return PAGE_TYPE_LABELS[self][1]


PAGE_TYPE_LABELS: dict[PageType, tuple[str, str]] = {
    PageType.STRUCTURE: ("Struktur", "Strukturer"),
    PageType.RECEPTION: ("Mottagning", "Mottagningar"),
    PageType.ROUTINE: ("Rutin", "Rutiner"),
    PageType.ORIENTATION: ("Introduktion", "Introduktion för nya"),
    PageType.ARTICLE: ("Artikel", "Artiklar"),
}

TARGET_GROUPS: tuple[str, ...] = ("Barn och unga", "Psykisk hälsa och missbruk", "Äldre")


class RevisionOp(str, enum.Enum):
    """What a revision did to its page."""

    CREATE = "create"
    EDIT = "edit"
    REVERT = "revert"
    DELETE = "delete"
    RESTORE = "restore"
    # Plans and activities only: a quick status change, and a write made by a file import.
    STATUS = "status"
    IMPORT = "import"
    # A draft sent back and withdrawn: the page returns to its approved version.
    WITHDRAW = "withdraw"

    @property
    def label(self) -> str:
        """Swedish description for history lists."""
        return {
            "create": "Skapad",
            "edit": "Ändrad",
            "revert": "Återställd till tidigare version",
            "delete": "Borttagen",
            "restore": "Återskapad",
            "status": "Status ändrad",
            "import": "Importerad",
            "withdraw": "Utkastet drogs tillbaka",
        }[self.value]


class ChangeOp(str, enum.Enum):
    """Operations recorded in the change log.

    The governance operations (DRAFT … FLAG_RESOLVED) are all recorded on the page (Entity.PAGE,
    the page's id), so notifications can be derived from the log page by page.
    """

    UPSERT = "upsert"
    DELETE = "delete"
    # A revision saved as a draft that waits for approval (readers still see the approved one).
    DRAFT = "draft"
    # A draft approved (and published), or sent back to the editors with a reason.
    APPROVE = "approve"
    RETURN = "return"
    # A routine marked "Granskad utan ändring": its valid-until date moved forward.
    REVIEW = "review"
    # A reader reported the page as outdated or wrong; an editor resolved such a report.
    FLAG = "flag"
    FLAG_RESOLVED = "flag_resolved"


class RevisionState(str, enum.Enum):
    """Where a revision stands in the approval workflow."""

    # Saved for a page type that needs approval; readers keep seeing the approved revision.
    DRAFT = "draft"
    APPROVED = "approved"
    RETURNED = "returned"
    # A type without approval: shown to readers as soon as it is saved.
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        """Swedish description for history lists."""
        return {"draft": "Utkast", "approved": "Fastställd", "returned": "Skickad tillbaka",
                "published": "Publicerad"}[self.value]


class Entity(str, enum.Enum):
    """Kinds of record the change log (and the search index) knows."""

    PAGE = "page"
    GLOSSARY = "glossary"
    PLAN = "plan"
    ACTIVITY = "activity"
    ATTACHMENT = "attachment"
    # An area was created or changed: nothing to index, but the caches watch the change log.
    AREA = "area"


class Role(str, enum.Enum):
    """User roles, from least to most rights."""

    READER = "läsare"
    EDITOR = "redaktör"
    # Approves (fastställer) drafts of page types that need approval; may edit too.
    APPROVER = "fastställare"
    ADMIN = "administratör"

    @property
    def rank(self) -> int:
        """Order of rights: a higher rank includes the lower ones."""
        return {"läsare": 1, "redaktör": 2, "fastställare": 3, "administratör": 4}[self.value]

    @property
    def label(self) -> str:
        """The Swedish name with a capital letter ("Fastställare")."""
        return self.value.capitalize()

    @classmethod
    def parse(cls, value: str) -> Role:
        """A role from its Swedish name, with or without å/ä/ö, or an English alias."""
        folded = fold_name(value)
        aliases = {"lasare": cls.READER, "reader": cls.READER, "redaktor": cls.EDITOR, "editor": cls.EDITOR,
                   "faststallare": cls.APPROVER, "approver": cls.APPROVER,
                   "administrator": cls.ADMIN, "admin": cls.ADMIN}
        if folded not in aliases:
            raise ValueError(f"Okänd roll ”{value}”. "
                             "Välj läsare, redaktör, fastställare eller administratör.")
        return aliases[folded]


class AreaRole(str, enum.Enum):
    """What a user may do in one area (kb.models.areas.AreaGrant), from least to most rights.

    A member reads a members-only area; an editor edits the area's pages, plans and attachments; a
    fastställare also approves its routines; an area administrator also manages its members and roles.
    """

    MEMBER = "medlem"
    EDITOR = "redaktör"
    APPROVER = "fastställare"
    AREA_ADMIN = "områdesadministratör"

    @property
    def rank(self) -> int:
        """Comparable with Role.rank: a member reads, an editor edits, the two above approve."""
        return {"medlem": 1, "redaktör": 2, "fastställare": 3, "områdesadministratör": 3}[self.value]

    @property
    def label(self) -> str:
        """Swedish name with a capital."""
        return self.value.capitalize()

    @classmethod
    def parse(cls, value: str) -> AreaRole:
        """An area role from its Swedish name, with or without å/ä/ö, or an English alias."""
        folded = fold_name(value)
        aliases = {"medlem": cls.MEMBER, "member": cls.MEMBER, "lasare": cls.MEMBER, "reader": cls.MEMBER,
                   "redaktor": cls.EDITOR, "editor": cls.EDITOR,
                   "faststallare": cls.APPROVER, "approver": cls.APPROVER,
                   "omradesadministrator": cls.AREA_ADMIN, "area-admin": cls.AREA_ADMIN,
                   "areaadmin": cls.AREA_ADMIN, "area_admin": cls.AREA_ADMIN}
        if folded not in aliases:
            raise ValueError(f"Okänd områdesroll ”{value}”. "
                             "Välj medlem, redaktör, fastställare eller områdesadministratör.")
        return aliases[folded]


class AuditAction(str, enum.Enum):
    """What the audit log records."""

    PAGE_SAVED = "page.saved"
    PAGE_CREATED = "page.created"
    PAGE_REVERTED = "page.reverted"
    PAGE_DELETED = "page.deleted"
    PAGE_RESTORED = "page.restored"
    GLOSSARY_SAVED = "glossary.saved"
    GLOSSARY_DELETED = "glossary.deleted"
    PLAN_SAVED = "plan.saved"
    PLAN_DELETED = "plan.deleted"
    PLAN_IMPORTED = "plan.imported"
    ACTIVITY_SAVED = "activity.saved"
    ACTIVITY_STATUS = "activity.status"
    ACTIVITY_DELETED = "activity.deleted"
    ATTACHMENT_UPLOADED = "attachment.uploaded"
    ATTACHMENT_DELETED = "attachment.deleted"
    ATTACHMENT_RESTORED = "attachment.restored"
    PAGE_DRAFT = "page.draft"
    PAGE_APPROVED = "page.approved"
    PAGE_RETURNED = "page.returned"
    DRAFT_WITHDRAWN = "page.draft_withdrawn"
    PAGE_REVIEWED = "page.reviewed"
    PAGE_FLAGGED = "page.flagged"
    FLAG_RESOLVED = "flag.resolved"
    ORGANISATION_SAVED = "organisation.saved"
    ORGANISATION_RETIRED = "organisation.retired"
    ORGANISATION_RESTORED = "organisation.restored"
    TEMPLATE_SAVED = "template.saved"
    TEMPLATE_RETIRED = "template.retired"
    TEMPLATE_RESTORED = "template.restored"
    USER_CREATED = "user.created"
    USER_ROLE = "user.role_changed"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_PASSWORD = "user.password_changed"  # noqa: S105 - an audit action name
    LOGIN = "auth.login"
    LOGOUT = "auth.logout"
    SESSIONS_ENDED = "auth.sessions_ended"
    LOGIN_FAILED = "auth.login_failed"
    LOCKOUT = "auth.lockout"
    USER_EMAIL = "user.email_changed"
    AREA_CREATED = "area.created"
    AREA_SAVED = "area.saved"
    AREA_GRANTED = "area.granted"
    AREA_REVOKED = "area.revoked"
    GROUP_MAPPED = "group.mapped"
    GROUP_UNMAPPED = "group.unmapped"
    USER_BREAK_GLASS = "user.break_glass"
    PASSWORD_RESET_SENT = "auth.reset_sent"  # noqa: S105 - an audit action name
    PASSWORD_RESET = "auth.reset_used"  # noqa: S105 - an audit action name
    LINKS_CHECKED = "links.checked"
    READING_REQUIRED = "page.reading_required"
    USER_ORGANISATION = "user.organisation"

    @property
    def label(self) -> str:
        """Swedish description."""
        return AUDIT_LABELS[self]


AUDIT_LABELS: dict[AuditAction, str] = {
    AuditAction.PAGE_SAVED: "Sida sparad",
    AuditAction.PAGE_CREATED: "Sida skapad",
    AuditAction.PAGE_REVERTED: "Sida återställd till tidigare version",
    AuditAction.PAGE_DELETED: "Sida borttagen",
    AuditAction.PAGE_RESTORED: "Sida återskapad",
    AuditAction.GLOSSARY_SAVED: "Ordlistepost sparad",
    AuditAction.GLOSSARY_DELETED: "Ordlistepost borttagen",
    AuditAction.PLAN_SAVED: "Plan sparad",
    AuditAction.PLAN_DELETED: "Plan borttagen",
    AuditAction.PLAN_IMPORTED: "Plan importerad",
    AuditAction.ACTIVITY_SAVED: "Aktivitet sparad",
    AuditAction.ACTIVITY_STATUS: "Aktivitetens status ändrad",
    AuditAction.ACTIVITY_DELETED: "Aktivitet borttagen",
    AuditAction.ATTACHMENT_UPLOADED: "Bilaga uppladdad",
    AuditAction.ATTACHMENT_DELETED: "Bilaga borttagen",
    AuditAction.ATTACHMENT_RESTORED: "Bilaga återskapad",
    AuditAction.PAGE_DRAFT: "Utkast sparat (väntar på fastställelse)",
    AuditAction.PAGE_APPROVED: "Sida fastställd",
    AuditAction.PAGE_RETURNED: "Utkast skickat tillbaka",
    AuditAction.DRAFT_WITHDRAWN: "Tillbakaskickat utkast tillbakadraget",
    AuditAction.PAGE_REVIEWED: "Rutin granskad utan ändring",
    AuditAction.PAGE_FLAGGED: "Fel rapporterat på sida",
    AuditAction.FLAG_RESOLVED: "Felrapport åtgärdad",
    AuditAction.ORGANISATION_SAVED: "Organisation sparad",
    AuditAction.ORGANISATION_RETIRED: "Organisation avvecklad",
    AuditAction.ORGANISATION_RESTORED: "Organisation återinförd",
    AuditAction.TEMPLATE_SAVED: "Sidmall sparad",
    AuditAction.TEMPLATE_RETIRED: "Sidmall borttagen",
    AuditAction.TEMPLATE_RESTORED: "Sidmall återinförd",
    AuditAction.USER_CREATED: "Användare skapad",
    AuditAction.USER_ROLE: "Roll ändrad",
    AuditAction.USER_DISABLED: "Användare inaktiverad",
    AuditAction.USER_ENABLED: "Användare aktiverad",
    AuditAction.USER_PASSWORD: "Lösenord bytt",
    AuditAction.LOGIN: "Inloggning",
    AuditAction.LOGOUT: "Utloggning",
    AuditAction.SESSIONS_ENDED: "Utloggning på alla enheter",
    AuditAction.LOGIN_FAILED: "Misslyckad inloggning",
    AuditAction.LOCKOUT: "Inloggning spärrad",
    AuditAction.USER_EMAIL: "E-postadress eller e-postval ändrat",
    AuditAction.AREA_CREATED: "Område skapat",
    AuditAction.AREA_SAVED: "Område ändrat",
    AuditAction.AREA_GRANTED: "Roll i område given",
    AuditAction.AREA_REVOKED: "Roll i område borttagen",
    AuditAction.GROUP_MAPPED: "Grupp kopplad till roll",
    AuditAction.GROUP_UNMAPPED: "Gruppkoppling borttagen",
    AuditAction.USER_BREAK_GLASS: "Nödadministratör ändrad",
    AuditAction.PASSWORD_RESET_SENT: "Länk för nytt lösenord skickad",
    AuditAction.PASSWORD_RESET: "Lösenord återställt med länk",
    AuditAction.LINKS_CHECKED: "Externa länkar kontrollerade",
    AuditAction.READING_REQUIRED: "Obligatorisk läsning ändrad",
    AuditAction.USER_ORGANISATION: "Organisation ändrad",
}


class AuthSource(str, enum.Enum):
    """Where an account signs in: a local password, an OpenID Connect provider or an LDAP directory."""

    LOCAL = "local"
    OIDC = "oidc"
    LDAP = "ldap"

    @property
    def label(self) -> str:
        """Swedish name."""
        return {"local": "Lokalt konto", "oidc": "OpenID Connect", "ldap": "LDAP"}[self.value]


class ActivityStatus(str, enum.Enum):
    """An activity's traffic-light status, as in the paper plans (red, yellow, green)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        """Swedish name, always shown next to the colour."""
        return ACTIVITY_STATUS_LABELS[self][0]

    @property
    def colour(self) -> str:
        """The paper plans' colour name (Swedish)."""
        return ACTIVITY_STATUS_LABELS[self][1]

    @classmethod
    def parse(cls, value: object) -> ActivityStatus:
        """A status from its Swedish name, colour or code, with or without å/ä/ö, any case."""
        if isinstance(value, cls):
            return value
        folded = fold_name(value).replace("_", " ").replace("-", " ")
        aliases = {
            "inte paborjad": cls.NOT_STARTED, "ej paborjad": cls.NOT_STARTED, "ej paborjat": cls.NOT_STARTED,
            "inte paborjat": cls.NOT_STARTED, "rod": cls.NOT_STARTED, "not started": cls.NOT_STARTED,
            "pagar": cls.IN_PROGRESS, "pagaende": cls.IN_PROGRESS, "gul": cls.IN_PROGRESS,
            "in progress": cls.IN_PROGRESS,
            "klart": cls.DONE, "klar": cls.DONE, "genomford": cls.DONE, "genomfort": cls.DONE,
            "gron": cls.DONE, "done": cls.DONE,
        }
        if folded not in aliases:
            raise ValueError(f"Okänd status ”{value}”. Välj Inte påbörjad, Pågår eller Klart.")
        return aliases[folded]


ACTIVITY_STATUS_LABELS: dict[ActivityStatus, tuple[str, str]] = {
    ActivityStatus.NOT_STARTED: ("Inte påbörjad", "röd"),
    ActivityStatus.IN_PROGRESS: ("Pågår", "gul"),
    ActivityStatus.DONE: ("Klart", "grön"),
}


class ExtractionStatus(str, enum.Enum):
    """Whether the text of an attachment version could be read for search."""

    OK = "ok"
    FAILED = "failed"
    # Nothing to read (images).
    NONE = "none"

    @property
    def label(self) -> str:
        """Swedish description for the attachment list."""
        return {"ok": "Texten är sökbar", "failed": "Texten kunde inte läsas",
                "none": "Ingen text att söka i (bild)"}[self.value]


class MediaType(str, enum.Enum):
    """The file types attachments may have, detected from their content (never from the name)."""

    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ODT = "application/vnd.oasis.opendocument.text"
    TEXT = "text/plain"
    PNG = "image/png"
    JPEG = "image/jpeg"

    @property
    def label(self) -> str:
        """Swedish name of the type ("PDF", "Word-dokument")."""
        return MEDIA_TYPE_INFO[self][0]

    @property
    def extensions(self) -> tuple[str, ...]:
        """File name extensions that fit the type, the usual one first (no dots, lower case)."""
        return MEDIA_TYPE_INFO[self][1]

    @property
    def inline(self) -> bool:
        """Whether a browser may show the file itself (images); everything else is downloaded."""
        return self in (MediaType.PNG, MediaType.JPEG)


MEDIA_TYPE_INFO: dict[MediaType, tuple[str, tuple[str, ...]]] = {
    MediaType.PDF: ("PDF", ("pdf",)),
    MediaType.DOCX: ("Word-dokument", ("docx",)),
    MediaType.XLSX: ("Excel-arbetsbok", ("xlsx",)),
    MediaType.ODT: ("OpenDocument-text", ("odt",)),
    MediaType.TEXT: ("Textfil", ("txt", "csv", "md")),
    MediaType.PNG: ("PNG-bild", ("png",)),
    MediaType.JPEG: ("JPEG-bild", ("jpg", "jpeg")),
}


class WatchKind(str, enum.Enum):
    """What a user can watch: one page, a structure (its pages, plans and activities) or a page type."""

    PAGE = "page"
    STRUCTURE = "structure"
    PAGE_TYPE = "page_type"


class ReminderKind(str, enum.Enum):
    """Reminders `kb notify` creates from dates (each once per person, subject and date)."""

    ROUTINE_SOON = "routine_soon"
    ROUTINE_PASSED = "routine_passed"
    ACTIVITY_DUE = "activity_due"
    ACTIVITY_FOLLOW_UP = "activity_follow_up"
    READ_REQUIRED = "read_required"


# What search finds besides pages, with its Swedish names (singular, plural).
OTHER_KINDS = {"glossary": ("Ordlista", "Ordlista"), "activity": ("Aktivitet", "Aktiviteter"),
               "plan": ("Aktivitetsplan", "Aktivitetsplaner"), "attachment": ("Bilaga", "Bilagor")}


def type_label(value: str, plural: bool = False) -> str:
    """The Swedish name of a page type, or of glossary entries, activities, plans or attachments."""
    if value in OTHER_KINDS:
        return OTHER_KINDS[value][1 if plural else 0]
    try:
        page_type = PageType(value)
    except ValueError:
        return value
    return page_type.plural if plural else page_type.label
