"""Follow-up interview times in UTC: ``grid_interview.held_at`` was stored as the local wall-clock time
the counselor typed, while every other timestamp is UTC. Each stored value is read as local time of
this PC (the one the school has always used) and rewritten in UTC; the app shows it in local time
again, so what a counselor sees does not change. No table or column changes.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-29
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's DateTime stores values in SQLite


def _rewrite(convert) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, held_at FROM grid_interview")).fetchall()
    for row_id, held in rows:
        if held is None:
            continue
        value = held if isinstance(held, datetime) else datetime.fromisoformat(str(held))
        conn.execute(sa.text("UPDATE grid_interview SET held_at = :h WHERE id = :i"),
                     {"h": convert(value).strftime(_FORMAT), "i": row_id})


def upgrade() -> None:
    # A naive datetime's astimezone() reads it as local time.
    _rewrite(lambda local: local.astimezone(UTC).replace(tzinfo=None))


def downgrade() -> None:
    _rewrite(lambda utc: utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None))
