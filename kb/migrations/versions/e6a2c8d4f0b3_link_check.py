"""External link checks (#23): the addresses pages link to and what their latest check found.

Revision ID: e6a2c8d4f0b3
Revises: e2a9c7f41b58
Create Date: 2026-12-07 16:10:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e6a2c8d4f0b3"
down_revision = "e2a9c7f41b58"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "link_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("page_ids", sa.JSON(), nullable=False),
        sa.Column("broken", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("broken_since", sa.DateTime(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_check")),
        sa.UniqueConstraint("url", name=op.f("uq_link_check_url")),
    )
    with op.batch_alter_table("link_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_check_broken"), ["broken"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_check_checked_at"), ["checked_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("link_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_check_checked_at"))
        batch_op.drop_index(batch_op.f("ix_link_check_broken"))
    op.drop_table("link_check")
