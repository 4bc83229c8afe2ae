"""ledger digest: what the report counts of a run's ledger and contract, on the run row

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00

The incident report counts, over its whole window, how often each assumption was supported or
not and which contract version the runs were checked against. Both live in ``evidence``
(``ledger``, ``contract``), whose rows are ~5 kB (body, shape) with the ledger behind them:
reading it for a day of runs took 2-5 s cold on SQLite. ``runs.ledger_digest`` names the
ledger's entries (without their reasons) and the contract reference in 16 hex digits, so the
report groups runs by digest in the scan it already makes and reads one evidence row per
digest (``monitor/storage/sql/digest.py``). Runs recorded before this revision keep NULL; the
report reads their evidence instead. Adding a nullable column is instant on both backends.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_digest", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("ledger_digest")
