"""Approval covers attachments and the address (#17).

An attachment gets the version readers see (`published_version`) and each version whether readers
may open it (`public`); a revision may propose a new address (`slug`). Existing attachments are
shown as before: every version public, the current one published unless the attachment is deleted.

Revision ID: b5e1f0c2d7a3
Revises: a7e3c9d21f04
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5e1f0c2d7a3"
down_revision = "a7e3c9d21f04"
branch_labels = None
depends_on = None


def _missing(table: str, column: sa.Column) -> bool:
    """Whether `table` lacks the column (an instance adopted from before migrations got the attachment
    tables from the current models, so they may have it already)."""
    return column.name not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    """Apply this revision."""
    for table, column in (("attachment", sa.Column("published_version", sa.Integer(), nullable=True)),
                          ("attachment_version", sa.Column("public", sa.Boolean(), nullable=False,
                                                           server_default=sa.true())),
                          ("revision", sa.Column("slug", sa.String(length=120), nullable=True))):
        if _missing(table, column):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(column)
    op.execute(sa.text("UPDATE attachment SET published_version = version_number "
                       "WHERE deleted = :no AND version_number > 0 AND published_version IS NULL").bindparams(no=False))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_column("slug")
    with op.batch_alter_table("attachment_version", schema=None) as batch_op:
        batch_op.drop_column("public")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_column("published_version")
