"""alert delivery: the delivery a row was sent in, per-sink status index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:00:00

``outbox.delivery_key`` is the idempotency key of the message a row went out in. Rows grouped
into one message (a provider outage: several probes of one target) share it, so a restart
re-sends the same group with the same key. ``ix_outbox_sink_state`` serves ``alert status``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_delivery_key"), ["delivery_key"], unique=False)
        batch_op.create_index("ix_outbox_sink_state", ["sink", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_sink_state")
        batch_op.drop_index(batch_op.f("ix_outbox_delivery_key"))
        batch_op.drop_column("delivery_key")
