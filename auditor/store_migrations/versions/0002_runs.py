"""Organization runs: one row per run, one per target (its state), findings keyed by (run, target, fingerprint).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("scope", sa.String(512), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
    )
    op.create_table(
        "run_targets",
        sa.Column("run_id", sa.String(128), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target_id", sa.String(512), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(256)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("started", sa.DateTime(timezone=True)),
        sa.Column("finished", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
        sa.Column("incomplete", sa.Boolean),
        sa.Column("counts", sa.JSON),
        sa.PrimaryKeyConstraint("run_id", "target_id"),
    )
    op.create_table(
        "run_findings",
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("target_id", sa.String(512), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("check_id", sa.String(128), nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("account", sa.String(256)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("suppressed", sa.Boolean, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "target_id", "fingerprint"),
        sa.ForeignKeyConstraint(
            ["run_id", "target_id"], ["run_targets.run_id", "run_targets.target_id"], ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("run_findings")
    op.drop_table("run_targets")
    op.drop_table("runs")
