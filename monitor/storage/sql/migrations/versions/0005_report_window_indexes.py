"""report window indexes: the rare-row queries read only the window's rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00

The incident report asks for the window's failing runs (``outcome IN ('fail', 'drift')``) and
its 402/429 answers (``status_code IN (402, 429)``). With the single-column indexes on
``outcome`` and ``status_code`` SQLite (no statistics) walks every failing run or every 429
ever stored and filters by time: on 1 M runs the report read the whole 700 MB file when
cold. ``(outcome, started_at)`` and ``(status_code, started_at)`` answer the same equality
lookups the old indexes served (history filters) and bound the report's to the window
(BENCHMARKS.md, "Incident queries"). Same number of indexes on ``runs`` as before.
PostgreSQL builds the two in about 11 s on 10 M runs; writes to ``runs`` wait meanwhile.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_outcome_started_at", ["outcome", "started_at"])
        batch_op.create_index("ix_runs_status_code_started_at", ["status_code", "started_at"])
        batch_op.drop_index(batch_op.f("ix_runs_outcome"))
        batch_op.drop_index(batch_op.f("ix_runs_status_code"))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_status_code"), ["status_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_outcome"), ["outcome"], unique=False)
        batch_op.drop_index("ix_runs_status_code_started_at")
        batch_op.drop_index("ix_runs_outcome_started_at")
