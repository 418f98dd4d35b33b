"""digest: index on case.first_answered_at (answer times of one day among a year of cases)

Revision ID: d001
Revises: 0002
"""
from alembic import op

revision = "d001"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_first_answered_at", "case", ["first_answered_at"])


def downgrade() -> None:
    op.drop_index("ix_case_first_answered_at", table_name="case")
