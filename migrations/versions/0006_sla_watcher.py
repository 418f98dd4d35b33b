"""SLA watcher: partial indexes on the open cases it watches, per-department resolution hours

Revision ID: 0006
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None

# Copied (not imported) from models.py as of this revision: a migration must not change when the models do.
_INDEXES = {
    "ix_case_sla_answer": ("deadline_at", "state IN ('open', 'answered') AND waiting_since IS NULL"
                           " AND first_answered_at IS NULL AND deadline_at IS NOT NULL"),
    "ix_case_sla_resolution": ("resolution_deadline_at", "state IN ('open', 'answered') AND waiting_since IS NULL"
                               " AND first_answered_at IS NOT NULL AND resolution_deadline_at IS NOT NULL"),
    "ix_case_sla_resolution_unset": ("id", "state IN ('open', 'answered', 'waiting') AND resolution_deadline_at IS NULL"),
    "ix_case_sla_paused": ("waiting_since", "waiting_since IS NOT NULL"),
}


def upgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("resolution_hours", sa.Float(), nullable=True))
    for name, (column, predicate) in _INDEXES.items():
        op.create_index(name, "case", [column], postgresql_where=sa.text(predicate), sqlite_where=sa.text(predicate))


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="case")
    with op.batch_alter_table("department") as batch:
        batch.drop_column("resolution_hours")
