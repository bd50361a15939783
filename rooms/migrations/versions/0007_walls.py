"""command center: walls, their screens (layout, tiles, screen credential), presets, alarms, calls

Revision ID: 0007_walls
Revises: 0008_session
Create Date: 2026-11-27 08:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_walls"
down_revision = "0008_session"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "walls",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("alarm_rule", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_walls_organisation_id"), "walls", ["organisation_id"], unique=False)
    op.create_table(
        "wall_screens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("wall_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(length=200), nullable=False),
        sa.Column("tiles", sa.JSON(), nullable=False),
        sa.Column("enlarged", sa.Integer(), nullable=True),
        sa.Column("credential_hash", sa.String(length=64), nullable=True),
        sa.Column("credential_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["wall_id"], ["walls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wall_id", "number"),
    )
    op.create_index(op.f("ix_wall_screens_wall_id"), "wall_screens", ["wall_id"], unique=False)
    op.create_table(
        "wall_presets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("wall_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("screens", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["wall_id"], ["walls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wall_id", "name"),
    )
    op.create_index(op.f("ix_wall_presets_wall_id"), "wall_presets", ["wall_id"], unique=False)
    op.create_table(
        "alarms",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=True),
        sa.Column("organisation_id", sa.String(length=32), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.String(length=32), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_alarms_room_id"), "alarms", ["room_id"], unique=False)
    op.create_index(op.f("ix_alarms_organisation_id"), "alarms", ["organisation_id"], unique=False)

    op.create_table(
        "calls",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_ids", sa.JSON(), nullable=False),
        sa.Column("answered", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("calls")
    op.drop_index(op.f("ix_alarms_organisation_id"), table_name="alarms")
    op.drop_index(op.f("ix_alarms_room_id"), table_name="alarms")
    op.drop_table("alarms")
    op.drop_index(op.f("ix_wall_presets_wall_id"), table_name="wall_presets")
    op.drop_table("wall_presets")
    op.drop_index(op.f("ix_wall_screens_wall_id"), table_name="wall_screens")
    op.drop_table("wall_screens")
    op.drop_index(op.f("ix_walls_organisation_id"), table_name="walls")
    op.drop_table("walls")
