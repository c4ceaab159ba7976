"""failure signatures: each service keeps its latest probe's failure signature and since when,
so the checker can recognise waves across regions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("failure_signature", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("failure_since", app.store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.drop_column("failure_since")
        batch.drop_column("failure_signature")
