"""A scan's stored result in parts, so saving a large scan never holds its whole compressed result.

Until this revision ``scans.result_gz`` held the zlib-compressed result document as one value,
built in memory before the insert (hundreds of megabytes for a million resources). From now on
the compressed stream is written in parts of at most ``PART_BYTES`` to ``scan_parts`` as it is
produced; ``result_gz`` stays for scans stored before (and is NULL for new ones).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_parts",
        sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("scan_id", "part"),
    )
    with op.batch_alter_table("scans") as batch:
        batch.alter_column("result_gz", existing_type=sa.LargeBinary, nullable=True)


def downgrade() -> None:
    op.drop_table("scan_parts")
