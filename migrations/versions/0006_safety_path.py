"""Safety path: an alert carries the time the student gave the answer (``screening_alert.answered_at``).

Existing alerts take the time of their response (completed, else last updated), which is the
answer's time for every route; the time the alert row was written (``created_at``) stays as it was.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("screening_alert") as batch:
        batch.add_column(sa.Column("answered_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE screening_alert SET answered_at = ("
        " SELECT COALESCE(r.completed_at, r.updated_at) FROM screening_response r"
        " WHERE r.id = screening_alert.response_id)")


def downgrade() -> None:
    with op.batch_alter_table("screening_alert") as batch:
        batch.drop_column("answered_at")
