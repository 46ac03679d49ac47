"""Structured logs: one JSON line per request (production), for log shippers and alerts."""

from __future__ import annotations

import json
import logging
import time

from notes.web.client import logged_address

request_logger = logging.getLogger("notes.requests")


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object: time, level, logger, message and any `extra` fields."""

    FIELDS = ("method", "path", "status", "duration_ms", "client")

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                data[field] = getattr(record, field)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class RequestLogMiddleware:
    """Logs every request with its status and duration (the query string is left out: it can
    hold what people searched for)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                # The network, not the address (notes.web.client.logged_address).
                "client": logged_address(request),
            },
        )
        return response
