"""Case store: cases, deadlines, 转办单, events, outbox, escalations, daily number counter.

Revision ID: 0001
Revises:
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('case_number_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('channel_user_id', sa.String(length=128), nullable=False),
    sa.Column('name_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('name_masked', sa.String(length=64), nullable=False),
    sa.Column('id_number_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('id_number_masked', sa.String(length=24), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('phone_masked', sa.String(length=16), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('county_code', sa.String(length=24), nullable=False),
    sa.Column('township_code', sa.String(length=24), nullable=True),
    sa.Column('village_code', sa.String(length=24), nullable=True),
    sa.Column('location_label', sa.String(length=200), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('urgency', sa.Enum('emergency', 'urgent', 'normal', name='urgency', native_enum=False, length=16), nullable=False),
    sa.Column('triage_reasons', sa.JSON(), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('assistance', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'dispatched', 'investigating', 'approved', 'rejected', 'referred', 'fed_back', 'closed', name='casestate', native_enum=False, length=16), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number')
    )
    op.create_index(op.f('ix_cases_id_number_hash'), 'cases', ['id_number_hash'], unique=False)
    op.create_index(op.f('ix_cases_phone_hash'), 'cases', ['phone_hash'], unique=False)
    op.create_index(op.f('ix_cases_status'), 'cases', ['status'], unique=False)
    op.create_index(op.f('ix_cases_township_code'), 'cases', ['township_code'], unique=False)
    op.create_index(op.f('ix_cases_urgency'), 'cases', ['urgency'], unique=False)
    op.create_table('case_deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'rule', name='uq_case_deadlines_case_rule')
    )
    op.create_index(op.f('ix_case_deadlines_due_at'), 'case_deadlines', ['due_at'], unique=False)
    op.create_table('case_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'rule', 'level', name='uq_case_escalations_case_rule_level')
    )
    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('state_before', sa.Enum('submitted', 'accepted', 'dispatched', 'investigating', 'approved', 'rejected', 'referred', 'fed_back', 'closed', name='casestate', native_enum=False, length=16), nullable=True),
    sa.Column('state_after', sa.Enum('submitted', 'accepted', 'dispatched', 'investigating', 'approved', 'rejected', 'referred', 'fed_back', 'closed', name='casestate', native_enum=False, length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_events_case_id'), 'case_events', ['case_id'], unique=False)
    op.create_table('case_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('issued', 'received', 'completed', 'returned', name='referralstatus', native_enum=False, length=16), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'department_id', name='uq_case_referrals_case_department')
    )
    op.create_index(op.f('ix_case_referrals_department_id'), 'case_referrals', ['department_id'], unique=False)
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('urgency', sa.Enum('emergency', 'urgent', 'normal', name='urgency', native_enum=False, length=16), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'published', name='outboxstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_outbox_messages_case_id'), 'outbox_messages', ['case_id'], unique=False)
    op.create_index('ix_outbox_messages_pending', 'outbox_messages', ['status', 'priority', 'id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_outbox_messages_pending', table_name='outbox_messages')
    op.drop_index(op.f('ix_outbox_messages_case_id'), table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_index(op.f('ix_case_referrals_department_id'), table_name='case_referrals')
    op.drop_table('case_referrals')
    op.drop_index(op.f('ix_case_events_case_id'), table_name='case_events')
    op.drop_table('case_events')
    op.drop_table('case_escalations')
    op.drop_index(op.f('ix_case_deadlines_due_at'), table_name='case_deadlines')
    op.drop_table('case_deadlines')
    op.drop_index(op.f('ix_cases_urgency'), table_name='cases')
    op.drop_index(op.f('ix_cases_township_code'), table_name='cases')
    op.drop_index(op.f('ix_cases_status'), table_name='cases')
    op.drop_index(op.f('ix_cases_phone_hash'), table_name='cases')
    op.drop_index(op.f('ix_cases_id_number_hash'), table_name='cases')
    op.drop_table('cases')
    op.drop_table('case_number_counters')
