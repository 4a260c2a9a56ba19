"""Student documents: the type of the identity document whose number is kept (registry rosters carry
港澳台居民居住证, passports and permits as well as the resident ID card).

One nullable column; existing students with a number get ``resident`` (what the app accepted until
now), so an upgrade keeps every row and its meaning.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("student") as batch:
        batch.add_column(sa.Column("id_type", sa.String(length=32), nullable=True))
    op.execute("UPDATE student SET id_type = 'resident' WHERE id_number IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("student") as batch:
        batch.drop_column("id_type")
