"""Read confirmations (#23): which version of a routine or orientation page each user confirmed,
which pages organisations and areas must read, and each user's organisation.

Revision ID: f1b3d5e7a9c2
Revises: e6a2c8d4f0b3
Create Date: 2026-12-07 16:15:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1b3d5e7a9c2"
down_revision = "e6a2c8d4f0b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "read_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_read_confirmation_page_id_page")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_read_confirmation_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_confirmation")),
        sa.UniqueConstraint("user_id", "page_id", "revision_number", name="uq_read_confirmation"),
    )
    with op.batch_alter_table("read_confirmation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_read_confirmation_page_id"), ["page_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_read_confirmation_user_id"), ["user_id"], unique=False)
    op.create_table(
        "required_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("organisation_key", sa.String(length=80), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_required_reading_area_id_area")),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_required_reading_page_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_required_reading")),
    )
    with op.batch_alter_table("required_reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_required_reading_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_required_reading_organisation_key"), ["organisation_key"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_required_reading_page_id"), ["page_id"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_key", sa.String(length=80), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_user_account_organisation_key"), ["organisation_key"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_organisation_key"))
        batch_op.drop_column("organisation_key")
    with op.batch_alter_table("required_reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_required_reading_page_id"))
        batch_op.drop_index(batch_op.f("ix_required_reading_organisation_key"))
        batch_op.drop_index(batch_op.f("ix_required_reading_area_id"))
    op.drop_table("required_reading")
    with op.batch_alter_table("read_confirmation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_read_confirmation_user_id"))
        batch_op.drop_index(batch_op.f("ix_read_confirmation_page_id"))
    op.drop_table("read_confirmation")
