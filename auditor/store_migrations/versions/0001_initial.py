"""Scan history: scans and their findings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(512), nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.Column("incomplete", sa.Boolean, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("tool_version", sa.String(32), nullable=False),
        sa.Column("result_gz", sa.LargeBinary, nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scans_scope_started", "scans", ["scope", "started"])
    op.create_table(
        "findings",
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("check_id", sa.String(128), nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("suppressed", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("scan_id", "fingerprint"),
    )
    op.create_index("ix_findings_fingerprint_status", "findings", ["fingerprint", "status"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("scans")
