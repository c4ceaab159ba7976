"""console sessions: the operators' console's server-side sessions (a hash of the cookie's
random id, the API key signed in with, created, last seen, absolute end) and its failed
sign-ins per client (a hash), for the rate limit

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_session",
        sa.Column("id_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["api_key.id"],
            name=op.f("fk_console_session_key_id_api_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_console_session")),
    )
    with op.batch_alter_table("console_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_session_key_id"), ["key_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_console_session_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "console_sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sign_in_failure")),
    )
    with op.batch_alter_table("console_sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_sign_in_failure_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_console_sign_in_failure_client_hash_at", ["client_hash", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("console_sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_console_sign_in_failure_client_hash_at")
        batch_op.drop_index(batch_op.f("ix_console_sign_in_failure_at"))
    op.drop_table("console_sign_in_failure")
    with op.batch_alter_table("console_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_session_expires_at"))
        batch_op.drop_index(batch_op.f("ix_console_session_key_id"))
    op.drop_table("console_session")
