"""pacing: the next moment a message may go on a paced key, shared by every replica

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.storage.sql.coltypes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pacing",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(
            "next_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pacing")),
    )


def downgrade() -> None:
    op.drop_table("pacing")
