"""vantage agents: agents, their pushed results, and a region binding for API keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("interval_seconds", sa.Float(), nullable=True),
        sa.Column("clock_offset_ms", sa.Float(), nullable=True),
        sa.Column("last_seen_at", app.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_key.id"], name=op.f("fk_agent_key_id_api_key"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_agent_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent")),
    )
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_region_code"), ["region_code"], unique=False)

    op.create_table(
        "agent_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("observed_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", app.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_reachable", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("failure", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("is_clamped", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_agent_result_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_result")),
        sa.UniqueConstraint(
            "agent_id", "stream", "seq", name=op.f("uq_agent_result_agent_id_stream_seq")
        ),
    )
    with op.batch_alter_table("agent_result", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_result_agent_id_observed_at", ["agent_id", "observed_at"], unique=False
        )

    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=8), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_api_key_region_code_region"), "region", ["region_code"], ["code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_key_region_code_region"), type_="foreignkey")
        batch_op.drop_column("region_code")

    with op.batch_alter_table("agent_result", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_result_agent_id_observed_at")

    op.drop_table("agent_result")
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_region_code"))

    op.drop_table("agent")
