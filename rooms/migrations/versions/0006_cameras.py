"""cameras per organisation, GB/T 28181 devices bound to organisations, cameras in rooms

Revision ID: 0006_cameras
Revises: 0007_walls
Create Date: 2026-11-27 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_cameras"
down_revision = "0007_walls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("rtsp_url", sa.String(length=1000), nullable=True),
        sa.Column("rtsp_transport", sa.String(length=8), nullable=False),
        sa.Column("gb_device_id", sa.String(length=20), nullable=True),
        sa.Column("gb_channel_id", sa.String(length=20), nullable=True),
        sa.Column("credentials", sa.String(length=2000), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("state_detail", sa.String(length=500), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_frame_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cameras_organisation_id", "cameras", ["organisation_id"])
    op.create_table(
        "gb_devices",
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("credentials", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_index("ix_gb_devices_organisation_id", "gb_devices", ["organisation_id"])
    op.create_table(
        "room_cameras",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("attached_by", sa.String(length=64), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("detached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_room_cameras_room_id", "room_cameras", ["room_id"])
    op.create_index("ix_room_cameras_camera_id", "room_cameras", ["camera_id"])


def downgrade() -> None:
    op.drop_index("ix_room_cameras_camera_id", table_name="room_cameras")
    op.drop_index("ix_room_cameras_room_id", table_name="room_cameras")
    op.drop_table("room_cameras")
    op.drop_index("ix_gb_devices_organisation_id", table_name="gb_devices")
    op.drop_table("gb_devices")
    op.drop_index("ix_cameras_organisation_id", table_name="cameras")
    op.drop_table("cameras")
