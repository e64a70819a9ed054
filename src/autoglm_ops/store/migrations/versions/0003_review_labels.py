"""Human review: QA sampling of auto-accepted requests and reviewers' labels.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER a table in place in general (a no-op wrapper elsewhere)
    with op.batch_alter_table("requests") as batch:
        batch.add_column(
            sa.Column("qa_sampled", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_index("ix_requests_qa", "requests", ["tenant", "qa_sampled"])
    op.create_table(
        "review_labels",
        sa.Column(
            "request_id",
            sa.String(64),
            sa.ForeignKey("requests.request_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("corrected", sa.JSON, nullable=False),
        sa.Column("n_fields", sa.Integer, nullable=False),
        sa.Column("n_agree", sa.Integer, nullable=False),
        sa.Column("reviewer_key_id", sa.String(32), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_labels_kind_reviewed", "review_labels", ["kind", "reviewed_at"])
    op.create_index("ix_review_labels_tenant_task", "review_labels", ["tenant", "task"])


def downgrade() -> None:
    op.drop_table("review_labels")
    op.drop_index("ix_requests_qa", table_name="requests")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("qa_sampled")
