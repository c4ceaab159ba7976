"""Every row of some tables, every column, to show that something wrote nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlmodel import SQLModel

from app.store.db import Database


async def table_rows(database: Database, *models: type[SQLModel]) -> list[list[tuple[Any, ...]]]:
    """Each model's table as rows of plain values, in primary-key order."""
    found = []
    async with database.read() as session:
        connection = await session.connection()
        for model in models:
            table: Table = model.__table__  # type: ignore[attr-defined]
            query = select(table).order_by(*table.primary_key.columns)
            found.append([tuple(row) for row in (await connection.execute(query)).all()])
    return found
