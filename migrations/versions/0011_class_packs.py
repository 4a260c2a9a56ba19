"""Class packs: the series of packs handed to each homeroom teacher, the returns taken back, and the
ledger of every returned entry by its stable id (exactly-once merge; conflicts wait for a decision).

Only new tables: nothing existing is touched, so an upgrade keeps every row as it was.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classpack_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("journal_key", sa.LargeBinary(), nullable=False),
        sa.Column("roster_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_exported_at", sa.DateTime(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("packs_exported", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["school_class.id"], name=op.f("fk_classpack_series_class_id_school_class")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["user_account.id"], name=op.f("fk_classpack_series_teacher_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classpack_series")),
        sa.UniqueConstraint("uuid", name=op.f("uq_classpack_series_uuid")),
    )
    with op.batch_alter_table("classpack_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classpack_series_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_classpack_series_teacher_id"), ["teacher_id"], unique=False)

    op.create_table(
        "classpack_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("pack_id", sa.String(length=36), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_by_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["user_account.id"],
            name=op.f("fk_classpack_return_imported_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["classpack_series.id"],
            name=op.f("fk_classpack_return_series_id_classpack_series"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classpack_return")),
    )
    with op.batch_alter_table("classpack_return", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classpack_return_content_sha256"), ["content_sha256"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_classpack_return_series_id"), ["series_id"], unique=False)

    op.create_table(
        "classpack_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_uuid", sa.String(length=36), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("student_no", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("review_pending", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["return_id"], ["classpack_return.id"], name=op.f("fk_classpack_entry_return_id_classpack_return")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["classpack_series.id"], name=op.f("fk_classpack_entry_series_id_classpack_series")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_classpack_entry_student_id_student"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classpack_entry")),
        sa.UniqueConstraint("entry_uuid", name=op.f("uq_classpack_entry_entry_uuid")),
    )
    with op.batch_alter_table("classpack_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classpack_entry_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_classpack_entry_student_id"), ["student_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("classpack_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classpack_entry_student_id"))
        batch_op.drop_index(batch_op.f("ix_classpack_entry_series_id"))

    op.drop_table("classpack_entry")
    with op.batch_alter_table("classpack_return", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classpack_return_series_id"))
        batch_op.drop_index(batch_op.f("ix_classpack_return_content_sha256"))

    op.drop_table("classpack_return")
    with op.batch_alter_table("classpack_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classpack_series_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_classpack_series_class_id"))

    op.drop_table("classpack_series")
