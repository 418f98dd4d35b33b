"""merge the QR-tag, SLA-watcher and digest branches

Revision ID: 0007
Revises: 0005, 0006b, d001
"""

revision = "0007"
down_revision = ("0005", "0006b", "d001")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
