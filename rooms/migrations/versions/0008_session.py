"""the mediation session: chat, minutes, agreements and their signatures,
feedback; waiting room and agreement template per organisation; short links

Revision ID: 0008_session
Revises: 0005_staff
Create Date: 2026-11-27 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_session"
down_revision = "0005_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(sa.Column("waiting_room", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("agreement_template", sa.JSON(), nullable=True))
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.add_column(sa.Column("short_code", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint("uq_invitations_short_code", ["short_code"])
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_chat_messages_room_id"), "chat_messages", ["room_id"])
    op.create_index(op.f("ix_chat_messages_case_id"), "chat_messages", ["case_id"])
    op.create_table(
        "room_minutes",
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("room_id"),
    )
    op.create_index(op.f("ix_room_minutes_case_id"), "room_minutes", ["case_id"])
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("organisation_id", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("signers", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence_id", sa.String(length=64), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_agreements_room_id"), "agreements", ["room_id"])
    op.create_index(op.f("ix_agreements_case_id"), "agreements", ["case_id"])
    op.create_table(
        "agreement_signatures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "subject"),
    )
    op.create_index(
        op.f("ix_agreement_signatures_agreement_id"), "agreement_signatures", ["agreement_id"]
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("fair", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("room_id", "subject"),
    )
    op.create_index(op.f("ix_feedback_room_id"), "feedback", ["room_id"])
    op.create_index(op.f("ix_feedback_case_id"), "feedback", ["case_id"])


def downgrade() -> None:
    for table in ("feedback", "agreement_signatures", "agreements", "room_minutes"):
        op.drop_table(table)
    op.drop_table("chat_messages")
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.drop_constraint("uq_invitations_short_code", type_="unique")
        batch_op.drop_column("short_code")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("agreement_template")
        batch_op.drop_column("waiting_room")
