"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 18:19:00.371417
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.storage.sql.coltypes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("probe", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=16), nullable=False),
        sa.Column("response_class", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "shape",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column(
            "started_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "activated_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "superseded_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baselines")),
        sa.UniqueConstraint(
            "probe",
            "response_class",
            "version",
            name=op.f("uq_baselines_probe_response_class_version"),
        ),
    )
    with op.batch_alter_table("baselines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_baselines_probe"), ["probe"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("active_fingerprint", sa.String(), nullable=True),
        sa.Column("probe", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("response_class", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("value_key", sa.String(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("verdict", sa.String(length=40), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "recent",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("clear_streak", sa.Integer(), nullable=False),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column(
            "first_seen", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "opened_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "resolved_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_notified_at",
            monitor.storage.sql.coltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("first_run_id", sa.String(length=36), nullable=True),
        sa.Column("last_run_id", sa.String(length=36), nullable=True),
        sa.Column("last_trace_id", sa.String(length=32), nullable=True),
        sa.Column("last_request_id", sa.String(length=200), nullable=True),
        sa.Column(
            "acked_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("acked_by", sa.String(length=120), nullable=True),
        sa.Column(
            "muted_until", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("mute_reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("active_fingerprint", name=op.f("uq_events_active_fingerprint")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_probe"), ["probe"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_state"), ["state"], unique=False)

    op.create_table(
        "heartbeats",
        sa.Column("replica", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column(
            "beat_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "started_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("replica", name=op.f("pk_heartbeats")),
    )
    op.create_table(
        "holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("since", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column(
            "created_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "released_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("probe", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column(
            "slot_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column(
            "lease_until", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "started_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finished_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=True),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("span_id", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("verdict", sa.String(length=40), nullable=True),
        sa.Column("baseline_class", sa.String(length=16), nullable=True),
        sa.Column("baseline_state", sa.String(length=16), nullable=True),
        sa.Column("baseline_version", sa.Integer(), nullable=True),
        sa.Column("request_hash", sa.String(length=16), nullable=True),
        sa.Column("config_hash", sa.String(length=16), nullable=True),
        sa.Column("served_model", sa.String(length=200), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("probe", "slot_at", name=op.f("uq_runs_probe_slot_at")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_probe"), ["probe"], unique=False)
        batch_op.create_index("ix_runs_probe_started_at", ["probe", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_started_at"), ["started_at"], unique=False)
        batch_op.create_index("ix_runs_state_lease_until", ["state", "lease_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_status_code"), ["status_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_target"), ["target"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_verdict"), ["verdict"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("key_fingerprint", sa.String(length=16), nullable=True),
        sa.Column(
            "request_headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "request_body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "response_headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("body_size", sa.Integer(), nullable=True),
        sa.Column("body_truncated", sa.Boolean(), nullable=False),
        sa.Column(
            "shape",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "attempts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "usage",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("system_fingerprint", sa.String(), nullable=True),
        sa.Column("monitor_version", sa.String(length=40), nullable=True),
        sa.Column(
            "contract",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "ledger",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "stream",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_evidence_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_evidence")),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("probe", sa.String(length=200), nullable=False),
        sa.Column("at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("verdict", sa.String(length=40), nullable=False),
        sa.Column("response_class", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_findings_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_run_id"), ["run_id"], unique=False)

    op.create_table(
        "transitions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("span_id", sa.String(length=16), nullable=True),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_transitions_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transitions")),
    )
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transitions_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_transitions_event_id"), ["event_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("transition_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("sink", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column(
            "next_attempt_at",
            monitor.storage.sql.coltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "lease_until", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("external_ref", sa.String(), nullable=True),
        sa.Column("group_key", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "delivered_at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["transition_id"], ["transitions.id"], name=op.f("fk_outbox_transition_id_transitions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("transition_id", "sink", name=op.f("uq_outbox_transition_id_sink")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.String(length=36), nullable=True),
        sa.Column("at", monitor.storage.sql.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_delivery_attempts_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempts_outbox_id"), ["outbox_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_outbox_id"))

    op.drop_table("delivery_attempts")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_outbox_event_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transitions_event_id"))
        batch_op.drop_index(batch_op.f("ix_transitions_at"))

    op.drop_table("transitions")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_run_id"))
        batch_op.drop_index(batch_op.f("ix_findings_kind"))
        batch_op.drop_index(batch_op.f("ix_findings_at"))

    op.drop_table("findings")
    op.drop_table("evidence")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_verdict"))
        batch_op.drop_index(batch_op.f("ix_runs_target"))
        batch_op.drop_index(batch_op.f("ix_runs_status_code"))
        batch_op.drop_index("ix_runs_state_lease_until")
        batch_op.drop_index(batch_op.f("ix_runs_started_at"))
        batch_op.drop_index("ix_runs_probe_started_at")
        batch_op.drop_index(batch_op.f("ix_runs_probe"))
        batch_op.drop_index(batch_op.f("ix_runs_outcome"))
        batch_op.drop_index(batch_op.f("ix_runs_category"))

    op.drop_table("runs")
    op.drop_table("holds")
    op.drop_table("heartbeats")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_state"))
        batch_op.drop_index(batch_op.f("ix_events_probe"))
        batch_op.drop_index(batch_op.f("ix_events_fingerprint"))

    op.drop_table("events")
    with op.batch_alter_table("baselines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_baselines_probe"))

    op.drop_table("baselines")
