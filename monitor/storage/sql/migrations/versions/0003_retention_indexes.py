"""retention indexes: find the runs that events and transitions refer to

Retention never deletes a run an event or transition refers to; these indexes keep that
check cheap when it runs for every candidate row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transitions_run_id"), ["run_id"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_first_run_id"), ["first_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_last_run_id"), ["last_run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_last_run_id"))
        batch_op.drop_index(batch_op.f("ix_events_first_run_id"))
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transitions_run_id"))
