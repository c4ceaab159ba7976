"""Process logging: one formatter (JSON lines or text) for Pantau's own loggers and uvicorn's,
and the id of the HTTP request being served, carried into every record through a contextvar."""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["json", "text"]

# Set by `app.http.request_id.RequestId` for the duration of one HTTP request.
request_id_var: ContextVar[str | None] = ContextVar("pantau_request_id", default=None)

NO_REQUEST = "-"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Held at WARNING whatever PANTAU_LOG_LEVEL says: the database libraries log SQL with its
# bound parameters (webhook secrets among them) at INFO/DEBUG, and APScheduler logs every
# checker tick (four a second) at INFO; httpx logs every request it sends at INFO, which
# would print each subscriber's URL on every delivery (a URL may carry the receiver's token).
QUIET_LOGGERS = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "httpcore",
    "apscheduler",
    "multipart",
    "urllib3",  # Apprise's HTTP: at DEBUG, the request line, a Telegram bot token in its path
    "requests",
)
# Apprise's own lines quote parts of its URLs (chat ids, hosts): they stay out of the log and
# reach only the attempt's error, scrubbed of the URL (app/notify/apprise_channel.py). Its
# per-call capture needs the logger at WARNING, not above.
SILENT_LOGGERS = ("apprise",)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id (or `-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ exception)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(log_fields(record, self), ensure_ascii=False, default=str)


def log_fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    """The JSON line's fields; `request_id` is null outside an HTTP request."""
    request_id = getattr(record, "request_id", None) or request_id_var.get() or NO_REQUEST
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
        "request_id": request_id if request_id != NO_REQUEST else None,
    }
    if record.exc_info:
        fields["exception"] = formatter.formatException(record.exc_info)
    return fields


def logging_config(
    log_format: LogFormat, level: str, stream: TextIO | None = None
) -> dict[str, Any]:
    """A `dictConfig` for the root logger and uvicorn's three loggers (also passed to uvicorn as
    its `log_config`), so the access log and the app's records share one format."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    handler: dict[str, Any] = {
        "class": "logging.StreamHandler",
        "formatter": "pantau",
        "filters": ["request_id"],
    }
    if stream is not None:
        handler["stream"] = stream
    named = {"handlers": ["pantau"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"pantau": formatter},
        "handlers": {"pantau": handler},
        "root": {"handlers": ["pantau"], "level": level.upper()},
        "loggers": {
            "uvicorn": named,
            "uvicorn.error": {**named, "handlers": [], "propagate": True},
            "uvicorn.access": named,
            **{name: {"level": "WARNING"} for name in QUIET_LOGGERS},
            **{name: {"level": "WARNING", "propagate": False} for name in SILENT_LOGGERS},
        },
    }


def configure_logging(log_format: LogFormat, level: str, stream: TextIO | None = None) -> None:
    logging.config.dictConfig(logging_config(log_format, level, stream))
