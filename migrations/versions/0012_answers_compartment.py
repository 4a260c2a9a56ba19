"""Item-level answers become counselling content: mark the answers stored so far for sealing.

No schema change: sealed answers live in the same text columns (``xa1:`` prefix,
``xadesk.compartment.answers``). Sealing needs the counselling key, which a migration never has
(the administrator's login may run it), so this only sets the marker when there are answers; the
first login that holds the key seals them in batches.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PENDING = "counselling_answers_pending"  # xadesk.compartment.answers.PENDING_META


def upgrade() -> None:
    conn = op.get_bind()
    has_answers = conn.exec_driver_sql(
        "SELECT EXISTS (SELECT 1 FROM screening_response WHERE mode != 'teacher') "
        "OR EXISTS (SELECT 1 FROM screening_conflict WHERE b_mode != 'teacher') "
        "OR EXISTS (SELECT 1 FROM screening_paper_entry)").scalar()
    if has_answers:
        conn.exec_driver_sql("INSERT OR IGNORE INTO meta(key, value) VALUES (?, '1')", (PENDING,))


def downgrade() -> None:
    # Sealed answers cannot be unsealed without the key: an older app reads them as damaged JSON.
    # The marker goes; the data stays as it is.
    op.get_bind().exec_driver_sql("DELETE FROM meta WHERE key = ?", (PENDING,))
