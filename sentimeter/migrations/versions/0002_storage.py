"""code tally: per-team counts of issued and used codes that outlive a closed round's codes

Revision ID: 0002_storage
Revises: 0002_trust
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002_storage'
down_revision = '0002_trust'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('code_tally',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], ),
    sa.PrimaryKeyConstraint('round_id', 'unit_code')
    )


def downgrade() -> None:
    op.drop_table('code_tally')
