"""one-click QR tags: the qrtag table

Revision ID: 0005
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qrtag",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("department_key", sa.String(length=40), sa.ForeignKey("department.key"), nullable=True),
        sa.Column("category", sa.String(length=24), nullable=True),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("line.id"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("key", name="uq_qrtag_key"),
    )


def downgrade() -> None:
    op.drop_table("qrtag")
