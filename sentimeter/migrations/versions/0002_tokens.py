"""personal tokens (issue #13): issuer keys, spent tokens, roster, issuance

Revision ID: 0002_tokens
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002_tokens'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('token_key',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('public_der', sa.LargeBinary(), nullable=False),
    sa.Column('sealed_private', sa.LargeBinary(), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], ),
    sa.PrimaryKeyConstraint('round_id', 'unit_code')
    )
    op.create_table('spent_token',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('roster_officer',
    sa.Column('officer_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enrol_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('officer_hash')
    )
    with op.batch_alter_table('roster_officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_officer_enrol_hash'), ['enrol_hash'],
                              unique=True)
    op.create_table('token_issuance',
    sa.Column('entry', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('entry')
    )


def downgrade() -> None:
    op.drop_table('token_issuance')
    with op.batch_alter_table('roster_officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_officer_enrol_hash'))
    op.drop_table('roster_officer')
    op.drop_table('spent_token')
    op.drop_table('token_key')
