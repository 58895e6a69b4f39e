"""Sign-in through the organisation (#21): accounts from OpenID Connect and LDAP, roles from groups,
break-glass administrators, temporary passwords and password-reset links.

Existing accounts stay local: their role becomes the role given by hand, and no group gives one yet.

Revision ID: d4f7b1a9e2c6
Revises: c8d2a4e6f1b9
Create Date: 2026-12-07 12:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4f7b1a9e2c6"
down_revision = "c8d2a4e6f1b9"
branch_labels = None
depends_on = None

USER_COLUMNS = ("hand_role", "group_role", "auth_source", "external_id", "groups_json", "break_glass",
                "must_change_password")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hand_role", sa.String(length=20), nullable=False, server_default="läsare"))
        batch_op.add_column(sa.Column("group_role", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("auth_source", sa.String(length=20), nullable=False, server_default="local"))
        batch_op.add_column(sa.Column("external_id", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("groups_json", sa.Text(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("break_glass", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_unique_constraint("uq_user_external_id", ["auth_source", "external_id"])
    op.execute(sa.text("UPDATE user_account SET hand_role = role"))

    op.create_table(
        "group_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=500), nullable=False),
        sa.Column("group_key", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("created_by", sa.String(length=80), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_group_role_area_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_role")),
        sa.UniqueConstraint("group_key", "area_id", name="uq_group_role"),
    )
    with op.batch_alter_table("group_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_role_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_role_group_key"), ["group_key"], unique=False)

    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_for", sa.String(length=254), nullable=False, server_default=""),
        sa.Column("remote_addr", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_password_reset_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_password_reset_remote_addr"), ["remote_addr"], unique=False)
        batch_op.create_index(batch_op.f("ix_password_reset_requested_for"), ["requested_for"], unique=False)
        batch_op.create_index(batch_op.f("ix_password_reset_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Revert this revision (accounts from the organisation keep their username but lose the link)."""
    op.drop_table("password_reset")
    op.drop_table("group_role")
    op.execute(sa.text("DELETE FROM area_grant WHERE source LIKE 'grupp:%'"))
    op.execute(sa.text("UPDATE user_account SET role = hand_role"))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_external_id", type_="unique")
        for column in USER_COLUMNS:
            batch_op.drop_column(column)
