"""Areas (#20): one installation for several collaboration bodies.

Adds the area and area_grant tables, seeds the shared area ("gemensamt") and the installation's own
area (KB_DEFAULT_AREA, "samla" unless set; its name from KB_DEFAULT_AREA_NAME), and moves every
existing page, action plan and collaboration plan into the own area, so an upgraded instance shows
exactly what it showed before. Glossary terms get an optional area, left empty.

Revision ID: c8d2a4e6f1b9
Revises: b5e1f0c2d7a3
Create Date: 2026-12-07 08:00:00
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = "c8d2a4e6f1b9"
down_revision = "b5e1f0c2d7a3"
branch_labels = None
depends_on = None

CONTENT = ("page", "action_plan", "collaboration_plan")


def _own_area() -> tuple[str, str]:
    config = current_app.config if has_app_context() else {}
    return (str(config.get("DEFAULT_AREA") or "samla"),
            str(config.get("DEFAULT_AREA_NAME") or "SAMLA – Vårdsamverkan Lerum Alingsås"))


def upgrade() -> None:
    """Apply this revision."""
    area = op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("members_only", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_key"), ["key"], unique=True)
    op.create_table(
        "area_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_area_grant_area_id_area")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_area_grant_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_grant")),
        sa.UniqueConstraint("user_id", "area_id", "source", name="uq_area_grant"),
    )
    with op.batch_alter_table("area_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_grant_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_area_grant_user_id"), ["user_id"], unique=False)

    key, name = _own_area()
    rows = [{"id": 1, "key": "gemensamt", "name": "Gemensamt för regionen",
             "description": "Länsgemensamma rutiner och annat som gäller i hela regionen."}]
    if key != "gemensamt":
        rows.append({"id": 2, "key": key, "name": name, "description": ""})
    op.bulk_insert(area, [{**r, "members_only": False, "retired": False} for r in rows])
    own_id = rows[-1]["id"]
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("SELECT setval(pg_get_serial_sequence('area', 'id'), (SELECT max(id) FROM area))"))

    for table in CONTENT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET area_id = :own").bindparams(own=own_id))  # noqa: S608
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("area_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_area_id"), ["area_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_area_id_area"), "area", ["area_id"], ["id"])
    with op.batch_alter_table("glossary_term", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_glossary_term_area_id"), ["area_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_glossary_term_area_id_area"), "area", ["area_id"], ["id"])


def downgrade() -> None:
    """Revert this revision (areas and roles in them are lost; the content stays)."""
    for table in (*CONTENT, "glossary_term"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_area_id_area"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_area_id"))
            batch_op.drop_column("area_id")
    op.drop_table("area_grant")
    op.drop_table("area")
