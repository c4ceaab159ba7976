"""Request dependencies: the database handles on app.state, as typed aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import InvalidInput
from app.core.regions.registry import InvalidRegionCode, normalize_code
from app.settings import Settings
from app.store.db import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def read_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    async with database.read() as session:
        yield session


def region_code_path(
    code: Annotated[
        str, Path(description="Kemendagri code, `73.73` or `7373`", examples=["73.73"])
    ],
) -> str:
    try:
        return normalize_code(code)
    except InvalidRegionCode as exc:
        raise InvalidInput(("path", "code"), str(exc), code) from exc


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ReadSession = Annotated[AsyncSession, Depends(read_session)]
RegionCode = Annotated[str, Depends(region_code_path)]
