"""email subscribers: citizens' subscriptions by email (double opt-in), their regions, the
mail outbox and the accepted requests the rate limits count

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import app.store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("address_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_request")),
    )
    with op.batch_alter_table("mail_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_request_address_hash_at", ["address_hash", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_request_at"), ["at"], unique=False)
        batch_op.create_index("ix_mail_request_client_hash_at", ["client_hash", "at"], unique=False)

    op.create_table(
        "mail_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confirm_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "confirm_requested_at", app.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "requested_regions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("requested_lang", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("created_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", app.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", app.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_subscriber")),
        sa.UniqueConstraint(
            "confirm_token_hash", name=op.f("uq_mail_subscriber_confirm_token_hash")
        ),
        sa.UniqueConstraint("email", name=op.f("uq_mail_subscriber_email")),
    )
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column(
            "headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "unsubscribe_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leased_until", app.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["mail_subscriber.id"],
            name=op.f("fk_mail_message_subscriber_id_mail_subscriber"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sa.UniqueConstraint(
            "subscriber_id", "source_key", name=op.f("uq_mail_message_subscriber_id_source_key")
        ),
        sa.UniqueConstraint(
            "unsubscribe_token_hash", name=op.f("uq_mail_message_unsubscribe_token_hash")
        ),
    )
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_message_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            "ix_mail_message_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "mail_subscriber_region",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
            name=op.f("fk_mail_subscriber_region_region_code_region"),
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["mail_subscriber.id"],
            name=op.f("fk_mail_subscriber_region_subscriber_id_mail_subscriber"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "subscriber_id", "region_code", name=op.f("pk_mail_subscriber_region")
        ),
    )
    with op.batch_alter_table("mail_subscriber_region", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_subscriber_region_region_code"), ["region_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mail_subscriber_region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_subscriber_region_region_code"))

    op.drop_table("mail_subscriber_region")
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_message_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_mail_message_incident_id"))

    op.drop_table("mail_message")
    op.drop_table("mail_subscriber")
    with op.batch_alter_table("mail_request", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_request_client_hash_at")
        batch_op.drop_index(batch_op.f("ix_mail_request_at"))
        batch_op.drop_index("ix_mail_request_address_hash_at")

    op.drop_table("mail_request")
