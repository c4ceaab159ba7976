"""service credentials: a write-only basic_auth column; credentials in stored URLs move into it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# Only what this revision touches, as it stood then: the app's models may move on.
service = sa.table(
    "service",
    sa.column("id", sa.Integer()),
    sa.column("url", sa.String()),
    sa.column("basic_auth", JSON_DOCUMENT),
)


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basic_auth", JSON_DOCUMENT, nullable=True))
    _move_userinfo_out_of_urls()


def downgrade() -> None:
    # The credentials go back into the URLs they came from, so probes keep authenticating.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(service.c.id, service.c.url, service.c.basic_auth).where(
            service.c.basic_auth.is_not(None)
        )
    ).all()
    for service_id, url, credentials in rows:
        connection.execute(
            service.update()
            .where(service.c.id == service_id)
            .values(url=_with_userinfo(url, credentials))
        )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("basic_auth")


def _move_userinfo_out_of_urls() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(service.c.id, service.c.url).where(service.c.url.contains("@"))
    ).all()
    for service_id, url in rows:
        parts = urlsplit(url)
        userinfo, at, host_port = parts.netloc.rpartition("@")
        if not at:  # an "@" in the path or query: no credentials
            continue
        username, _, password = userinfo.partition(":")
        connection.execute(
            service.update()
            .where(service.c.id == service_id)
            .values(
                url=urlunsplit(parts._replace(netloc=host_port)),
                basic_auth={"username": unquote(username), "password": unquote(password)},
            )
        )


def _with_userinfo(url: str, credentials: dict[str, str]) -> str:
    parts = urlsplit(url)
    userinfo = ":".join(
        quote(credentials.get(name, ""), safe="") for name in ("username", "password")
    )
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))
