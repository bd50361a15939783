"""recording policy per organisation; legal holds on recordings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recording_required", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    op.create_table(
        "recording_holds",
        sa.Column("recording_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("placed_by", sa.String(length=32), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("recording_id"),
    )


def downgrade() -> None:
    op.drop_table("recording_holds")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("retention_days")
        batch_op.drop_column("recording_required")
