"""Framework scopes in organization runs: per target, its control results under the run's scopes.

A framework limited by tag, account, project or subscription (``framework_scopes``) is judged by
each target's own scan on the resources in scope; the store keeps no inventory, so the target's
row records what that judgement needs to be aggregated later: per scoped framework, the resources
in scope and each control's result counts. NULL on rows written before this revision.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_targets") as batch:
        batch.add_column(sa.Column("scoped_controls", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_targets") as batch:
        batch.drop_column("scoped_controls")
