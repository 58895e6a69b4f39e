"""Initial schema: every table of the models as they were when migrations were introduced.

Instances created before migrations existed (with create_all) have exactly these tables; kb.database
stamps them with this revision instead of running it.

Revision ID: cdfbb5c5b443
Revises:
Create Date: 2026-11-23 21:55:39.961878
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "cdfbb5c5b443"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create all tables, their constraints and indexes (tables referenced by foreign keys first)."""
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"], unique=False)
    op.create_index(op.f("ix_audit_event_actor"), "audit_event", ["actor"], unique=False)
    op.create_index(op.f("ix_audit_event_created_at"), "audit_event", ["created_at"], unique=False)
    op.create_table(
        "change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change")),
    )
    op.create_index(op.f("ix_change_entity"), "change", ["entity"], unique=False)
    op.create_table(
        "collaboration_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_start", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Integer(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaboration_plan")),
    )
    op.create_index(op.f("ix_collaboration_plan_deleted"), "collaboration_plan", ["deleted"], unique=False)
    op.create_index(op.f("ix_collaboration_plan_slug"), "collaboration_plan", ["slug"], unique=True)
    op.create_table(
        "glossary_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=60), nullable=False),
        sa.Column("expansion", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_term")),
    )
    op.create_index(op.f("ix_glossary_term_deleted"), "glossary_term", ["deleted"], unique=False)
    op.create_index(op.f("ix_glossary_term_term"), "glossary_term", ["term"], unique=True)
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index(op.f("ix_login_attempt_created_at"), "login_attempt", ["created_at"], unique=False)
    op.create_index(op.f("ix_login_attempt_remote_addr"), "login_attempt", ["remote_addr"], unique=False)
    op.create_index(op.f("ix_login_attempt_username"), "login_attempt", ["username"], unique=False)
    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page")),
    )
    op.create_index(op.f("ix_page_deleted"), "page", ["deleted"], unique=False)
    op.create_index(op.f("ix_page_slug"), "page", ["slug"], unique=True)
    op.create_index(op.f("ix_page_type"), "page", ["type"], unique=False)
    op.create_index(op.f("ix_page_updated_at"), "page", ["updated_at"], unique=False)
    op.create_table(
        "plan_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_revision")),
        sa.UniqueConstraint("entity", "entity_id", "number", name="uq_plan_revision_number"),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
    )
    op.create_index(op.f("ix_user_account_username"), "user_account", ["username"], unique=True)
    op.create_table(
        "action_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("collaboration_plan_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Integer(), nullable=False),
        sa.Column("adopted", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("focus_areas", sa.JSON(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaboration_plan_id"],
            ["collaboration_plan.id"],
            name=op.f("fk_action_plan_collaboration_plan_id_collaboration_plan"),
        ),
        sa.ForeignKeyConstraint(["structure_id"], ["page.id"], name=op.f("fk_action_plan_structure_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_plan")),
    )
    op.create_index(
        op.f("ix_action_plan_collaboration_plan_id"), "action_plan", ["collaboration_plan_id"], unique=False
    )
    op.create_index(op.f("ix_action_plan_deleted"), "action_plan", ["deleted"], unique=False)
    op.create_index(op.f("ix_action_plan_slug"), "action_plan", ["slug"], unique=True)
    op.create_index(op.f("ix_action_plan_structure_id"), "action_plan", ["structure_id"], unique=False)
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_attachment_page_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("page_id", "name_key", name="uq_attachment_page_name"),
    )
    op.create_index(op.f("ix_attachment_deleted"), "attachment", ["deleted"], unique=False)
    op.create_index(op.f("ix_attachment_page_id"), "attachment", ["page_id"], unique=False)
    op.create_table(
        "glossary_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=20), nullable=False),
        sa.Column("term", sa.String(length=60), nullable=False),
        sa.Column("expansion", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["term_id"], ["glossary_term.id"], name=op.f("fk_glossary_revision_term_id_glossary_term")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_revision")),
        sa.UniqueConstraint("term_id", "number", name="uq_glossary_revision_number"),
    )
    op.create_index(op.f("ix_glossary_revision_term_id"), "glossary_revision", ["term_id"], unique=False)
    op.create_table(
        "page_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_slug", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["page.id"], name=op.f("fk_page_link_source_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_link")),
        sa.UniqueConstraint("source_id", "target_slug", name="uq_page_link"),
    )
    op.create_index(op.f("ix_page_link_source_id"), "page_link", ["source_id"], unique=False)
    op.create_index(op.f("ix_page_link_target_slug"), "page_link", ["target_slug"], unique=False)
    op.create_table(
        "read_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_read_mark_page_id_page")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_read_mark_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_mark")),
        sa.UniqueConstraint("user_id", "page_id", name="uq_read_mark"),
    )
    op.create_index(op.f("ix_read_mark_page_id"), "read_mark", ["page_id"], unique=False)
    op.create_index(op.f("ix_read_mark_user_id"), "read_mark", ["user_id"], unique=False)
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_revision_page_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
        sa.UniqueConstraint("page_id", "number", name="uq_revision_page_number"),
    )
    op.create_index(op.f("ix_revision_page_id"), "revision", ["page_id"], unique=False)
    op.create_table(
        "slug_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_slug_alias_page_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slug_alias")),
    )
    op.create_index(op.f("ix_slug_alias_page_id"), "slug_alias", ["page_id"], unique=False)
    op.create_index(op.f("ix_slug_alias_slug"), "slug_alias", ["slug"], unique=True)
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("goal", sa.String(length=500), nullable=False),
        sa.Column("subgoal", sa.String(length=500), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("how", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("responsible_text", sa.String(length=300), nullable=False),
        sa.Column("start", sa.String(length=10), nullable=False),
        sa.Column("deadline", sa.String(length=10), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["action_plan.id"], name=op.f("fk_activity_plan_id_action_plan")
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"], ["page.id"], name=op.f("fk_activity_responsible_id_page")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index(op.f("ix_activity_deleted"), "activity", ["deleted"], unique=False)
    op.create_index(op.f("ix_activity_due_on"), "activity", ["due_on"], unique=False)
    op.create_index(op.f("ix_activity_plan_id"), "activity", ["plan_id"], unique=False)
    op.create_index(op.f("ix_activity_responsible_id"), "activity", ["responsible_id"], unique=False)
    op.create_index(op.f("ix_activity_status"), "activity", ["status"], unique=False)
    op.create_table(
        "attachment_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("uploader", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("extraction", sa.String(length=10), nullable=False),
        sa.Column("extraction_message", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachment.id"], name=op.f("fk_attachment_version_attachment_id_attachment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_version")),
        sa.UniqueConstraint("attachment_id", "number", name="uq_attachment_version_number"),
    )
    op.create_index(
        op.f("ix_attachment_version_attachment_id"), "attachment_version", ["attachment_id"], unique=False
    )
    op.create_index(op.f("ix_attachment_version_sha256"), "attachment_version", ["sha256"], unique=False)
    op.create_table(
        "activity_page",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_activity_page_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_activity_page_page_id_page")),
        sa.PrimaryKeyConstraint("activity_id", "page_id", name=op.f("pk_activity_page")),
    )
    op.create_index(op.f("ix_activity_page_page_id"), "activity_page", ["page_id"], unique=False)


def downgrade() -> None:
    """Drop all tables (their indexes go with them), referencing tables first."""
    op.drop_table("activity_page")
    op.drop_table("attachment_version")
    op.drop_table("activity")
    op.drop_table("slug_alias")
    op.drop_table("revision")
    op.drop_table("read_mark")
    op.drop_table("page_link")
    op.drop_table("glossary_revision")
    op.drop_table("attachment")
    op.drop_table("action_plan")
    op.drop_table("user_account")
    op.drop_table("plan_revision")
    op.drop_table("page")
    op.drop_table("login_attempt")
    op.drop_table("glossary_term")
    op.drop_table("collaboration_plan")
    op.drop_table("change")
    op.drop_table("audit_event")
