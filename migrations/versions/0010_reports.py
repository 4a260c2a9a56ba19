"""Reports: staff and their training hours, lessons and themed activities (the plan figures the
database did not hold yet), and the district's schools and merged aggregate files.

Only new tables: nothing existing is touched, so an upgrade keeps every row as it was.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("post", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"],
                                name=op.f("fk_report_staff_created_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_staff")),
    )
    op.create_table(
        "report_training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["report_staff.id"], ondelete="CASCADE",
                                name=op.f("fk_report_training_staff_id_report_staff")),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"],
                                name=op.f("fk_report_training_created_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_training")),
    )
    op.create_index(op.f("ix_report_training_staff_id"), "report_training", ["staff_id"])
    op.create_index(op.f("ix_report_training_held_on"), "report_training", ["held_on"])
    op.create_table(
        "report_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("grade_code", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"],
                                name=op.f("fk_report_activity_class_id_school_class")),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"],
                                name=op.f("fk_report_activity_created_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_activity")),
    )
    op.create_index(op.f("ix_report_activity_held_on"), "report_activity", ["held_on"])
    op.create_table(
        "district_school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("expected", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_school")),
        sa.UniqueConstraint("uuid", name=op.f("uq_district_school_uuid")),
    )
    op.create_table(
        "district_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["district_school.id"], ondelete="CASCADE",
                                name=op.f("fk_district_submission_school_id_district_school")),
        sa.ForeignKeyConstraint(["imported_by"], ["user_account.id"],
                                name=op.f("fk_district_submission_imported_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_submission")),
        sa.UniqueConstraint("school_id", "period", name=op.f("uq_district_submission_school_id")),
    )
    op.create_index(op.f("ix_district_submission_school_id"), "district_submission", ["school_id"])


def downgrade() -> None:
    for table in ("district_submission", "district_school", "report_activity", "report_training", "report_staff"):
        op.drop_table(table)
