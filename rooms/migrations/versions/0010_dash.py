"""an index for the statistics screen: cases counted by organisation, status and severity

Revision ID: 0010_dash
Revises: 0006_cameras
Create Date: 2026-11-27 13:30:00
"""

from alembic import op

revision = "0010_dash"
down_revision = "0006_cameras"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # covers rooms.statistics' GROUP BY (organisation_id, status, severity): no sort, no row read
    op.create_index(
        "ix_cases_org_status_severity", "cases", ["organisation_id", "status", "severity"]
    )


def downgrade() -> None:
    op.drop_index("ix_cases_org_status_severity", table_name="cases")
