"""Use statistics (#23): searches per week and page views per month, as totals only.

Revision ID: f3b7d9e1a5c2
Revises: f1b3d5e7a9c2
Create Date: 2026-12-07 16:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b7d9e1a5c2"
down_revision = "f1b3d5e7a9c2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "search_week",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("zero_hits", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("week", "query", name="uq_search_week"),
    )
    with op.batch_alter_table("search_week", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_week_week"), ["week"], unique=False)
    op.create_table(
        "page_view_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_page_view_month_page_id_page")),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("page_id", "month", name="uq_page_view_month"),
    )
    with op.batch_alter_table("page_view_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_view_month_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_page_view_month_page_id"), ["page_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("page_view_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_view_month_page_id"))
        batch_op.drop_index(batch_op.f("ix_page_view_month_month"))
    op.drop_table("page_view_month")
    with op.batch_alter_table("search_week", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_week_week"))
    op.drop_table("search_week")
