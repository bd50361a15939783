"""staff shell: a user whose password an administrator set must change it at first login

Revision ID: 0005_staff
Revises: 0004_sessions
Create Date: 2026-11-27 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_staff"
down_revision = "0004_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
