"""Page templates (#22): own templates per page type, for every area or one, edited in the browser.

Revision ID: e2a9c7f41b58
Revises: d4f7b1a9e2c6
Create Date: 2026-12-07 16:10:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2a9c7f41b58"
down_revision = "d4f7b1a9e2c6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "page_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("is_default_for_type", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("created_by", sa.String(length=80), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("updated_by", sa.String(length=80), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_page_template_area_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_template")),
    )
    with op.batch_alter_table("page_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_template_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_page_template_retired"), ["retired"], unique=False)
        batch_op.create_index(batch_op.f("ix_page_template_type"), ["type"], unique=False)


def downgrade() -> None:
    """Revert this revision (own templates are lost; the built-in ones remain)."""
    op.drop_table("page_template")
