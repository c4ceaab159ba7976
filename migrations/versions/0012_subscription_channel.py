"""subscription channel: a subscription's deliveries go out as signed webhooks (`webhook`,
every existing one) or as chat and push messages through Apprise (`apprise`)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="webhook")
        )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.alter_column("channel", server_default=None)


def downgrade() -> None:
    # An Apprise subscription cannot be a webhook (its URL is not http(s)): it is kept,
    # disabled, so that nothing is sent to it and an upgrade can bring it back.
    subscription = sa.table(
        "subscription",
        sa.column("channel", sa.String()),
        sa.column("is_active", sa.Boolean()),
        sa.column("disabled_reason", sa.String()),
    )
    op.execute(
        subscription.update()
        .where(subscription.c.channel != "webhook")
        .values(is_active=False, disabled_reason="an Apprise channel: needs revision 0012")
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_column("channel")
