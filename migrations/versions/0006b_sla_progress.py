"""SLA watcher: Case.sla_progress, the last ladder step done (so a pass needs no event reads);
an index on the SLA steps whose e-mail is still to send

Revision ID: 0006b
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0006b"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("sla_progress", sa.String(length=64), nullable=True))
    op.create_index("ix_case_event_sla_mail_pending", "caseevent", ["created_at"],
                    postgresql_where=sa.text("(data ->> 'mail') = 'pending'"),
                    sqlite_where=sa.text("json_extract(data, '$.mail') = 'pending'"))


def downgrade() -> None:
    op.drop_index("ix_case_event_sla_mail_pending", table_name="caseevent")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("sla_progress")
