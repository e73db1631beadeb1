"""Hand-offs taken over in the console: who took it and when, when it ended, and when it was escalated.

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('handoffs') as batch:
        batch.add_column(sa.Column('agent', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('handoffs') as batch:
        for column in ('escalated_at', 'ended_at', 'taken_at', 'agent'):
            batch.drop_column(column)
