"""Routine governance (#11): approval states, published revision, reviews, flags, organisations,
watches, notifications and e-mail digests.

Existing revisions become published and each page shows its newest revision, as before. The
routine date `review_by` is renamed `valid_until` in the stored fields (the same date under its new
name; imports still read the old name).

Revision ID: a7e3c9d21f04
Revises: cdfbb5c5b443
Create Date: 2026-11-24 01:01:44.040395
"""
import sqlalchemy as sa
from alembic import op

OLD_DATE, NEW_DATE = "review_by", "valid_until"


# revision identifiers, used by Alembic.
revision = 'a7e3c9d21f04'
down_revision = 'cdfbb5c5b443'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('notified_change',
    sa.Column('change_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('change_id', name=op.f('pk_notified_change'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('name', name=op.f('uq_organisation_name'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_key'), ['key'], unique=True)

    op.create_table('notification_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_digest_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_digest')),
    sa.UniqueConstraint('user_id', 'day', name='uq_digest_user_day')
    )
    with op.batch_alter_table('notification_digest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_digest_user_id'), ['user_id'], unique=False)

    op.create_table('page_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('resolved_by', sa.String(length=80), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_flag_page_id_page')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_flag'))
    )
    with op.batch_alter_table('page_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_flag_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_flag_page_id'), ['page_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_flag_resolved'), ['resolved'], unique=False)

    op.create_table('page_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=80), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('valid_until_before', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_review_page_id_page')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_review'))
    )
    with op.batch_alter_table('page_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_review_page_id'), ['page_id'], unique=False)

    op.create_table('watch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_watch_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch')),
    sa.UniqueConstraint('user_id', 'kind', 'target', name='uq_watch')
    )
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_target'), ['target'], unique=False)
        batch_op.create_index(batch_op.f('ix_watch_user_id'), ['user_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('op', sa.String(length=30), nullable=False),
    sa.Column('text', sa.String(length=600), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['notification_digest.id'], name=op.f('fk_notification_digest_id_notification_digest')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('user_id', 'key', name='uq_notification_user_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_revision_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_page_published_revision_id'), ['published_revision_id'], unique=False)
        batch_op.create_foreign_key('fk_page_published_revision', 'revision', ['published_revision_id'], ['id'], use_alter=True)

    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=20), nullable=False, server_default='published'))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approval_comment', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('returned_by', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('returned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_revision_state'), ['state'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), nullable=False, server_default=sa.true()))

    _publish_newest_revisions()
    _rename_date_field(OLD_DATE, NEW_DATE)


def _publish_newest_revisions() -> None:
    """Every page shows its newest revision (all revisions so far were published on save)."""
    page = sa.table("page", sa.column("id", sa.Integer), sa.column("revision_number", sa.Integer),
                    sa.column("published_revision_id", sa.Integer))
    revision = sa.table("revision", sa.column("id", sa.Integer), sa.column("page_id", sa.Integer),
                        sa.column("number", sa.Integer))
    newest = (sa.select(revision.c.id).where(revision.c.page_id == page.c.id,
                                             revision.c.number == page.c.revision_number)
              .scalar_subquery())
    op.get_bind().execute(page.update().values(published_revision_id=newest))


def _rename_date_field(old: str, new: str) -> None:
    """Rename a key in the JSON fields of pages and revisions (where the new name is not set)."""
    bind = op.get_bind()
    for name in ("page", "revision"):
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("fields", sa.JSON))
        for row_id, fields in bind.execute(sa.select(table.c.id, table.c.fields)).all():
            if not isinstance(fields, dict) or old not in fields:
                continue
            if fields.get(new) not in (None, ""):  # both set: the new name wins
                renamed = {key: value for key, value in fields.items() if key != old}
            else:
                renamed = {(new if key == old else key): value for key, value in fields.items() if key != new}
            bind.execute(table.update().where(table.c.id == row_id).values(fields=renamed))


def downgrade() -> None:
    """Revert this revision."""
    _rename_date_field(NEW_DATE, OLD_DATE)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')
        batch_op.drop_column('email')

    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revision_state'))
        batch_op.drop_column('return_reason')
        batch_op.drop_column('returned_at')
        batch_op.drop_column('returned_by')
        batch_op.drop_column('approval_comment')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('state')

    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_constraint('fk_page_published_revision', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_page_published_revision_id'))
        batch_op.drop_column('published_revision_id')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')
        batch_op.drop_index(batch_op.f('ix_notification_digest_id'))
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))

    op.drop_table('notification')
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_user_id'))
        batch_op.drop_index(batch_op.f('ix_watch_target'))

    op.drop_table('watch')
    with op.batch_alter_table('page_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_review_page_id'))

    op.drop_table('page_review')
    with op.batch_alter_table('page_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_flag_resolved'))
        batch_op.drop_index(batch_op.f('ix_page_flag_page_id'))
        batch_op.drop_index(batch_op.f('ix_page_flag_created_at'))

    op.drop_table('page_flag')
    with op.batch_alter_table('notification_digest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_digest_user_id'))

    op.drop_table('notification_digest')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_key'))

    op.drop_table('organisation')
    op.drop_table('notified_change')
