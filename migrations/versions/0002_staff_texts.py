"""texts to staff: message.resident_id optional, message.recipient_staff_id

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.alter_column("resident_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("recipient_staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_message_recipient_staff", "staff", ["recipient_staff_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_constraint("fk_message_recipient_staff", type_="foreignkey")
        batch.drop_column("recipient_staff_id")
        batch.alter_column("resident_id", existing_type=sa.Integer(), nullable=False)
