"""waves: a correlated outage stored as one thing; incidents link to it; subscriptions choose
whether a wave's event replaces its members' service.* events

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ACTIVE = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("started_at", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", app.store.types.UTCDateTime(), nullable=True),
        sa.Column("peak_regions", sa.Integer(), nullable=False),
        sa.Column("announced_regions", JSON_DOCUMENT, nullable=False),
        sa.Column("announced_at", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", app.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave")),
    )
    op.create_index(op.f("ix_wave_ended_at"), "wave", ["ended_at"])
    op.create_index("ix_wave_started_at_id", "wave", ["started_at", "id"])
    op.create_index(
        "uq_wave_signature_scope_area_active",
        "wave",
        ["signature", "scope", "area"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "wave_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=False),
        sa.Column("joined_at", app.store.types.UTCDateTime(), nullable=False),
        sa.Column("left_at", app.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_wave_member_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"],
            ["wave.id"],
            name=op.f("fk_wave_member_wave_id_wave"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_member")),
    )
    op.create_index(op.f("ix_wave_member_wave_id"), "wave_member", ["wave_id"])
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wave_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_incident_wave_id"), ["wave_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_incident_wave_id_wave"), "wave", ["wave_id"], ["id"], ondelete="SET NULL"
        )
    # Existing subscriptions keep receiving every member's events; new ones coalesce.
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("coalesce_waves", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.alter_column("coalesce_waves", server_default=None)
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_column("coalesce_waves")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_incident_wave_id_wave"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_incident_wave_id"))
        batch_op.drop_column("wave_id")
    op.drop_index(op.f("ix_wave_member_wave_id"), table_name="wave_member")
    op.drop_table("wave_member")
    op.drop_index("uq_wave_signature_scope_area_active", table_name="wave")
    op.drop_index("ix_wave_started_at_id", table_name="wave")
    op.drop_index(op.f("ix_wave_ended_at"), table_name="wave")
    op.drop_table("wave")
