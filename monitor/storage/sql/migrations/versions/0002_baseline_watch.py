"""baselines.watch: what an active baseline counts across runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("baselines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "watch",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("baselines", schema=None) as batch_op:
        batch_op.drop_column("watch")
