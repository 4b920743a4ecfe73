"""One JSON error shape for every error: {"error": {"code", "message"}}; bad input is never a 500.

The Perspective-compatible routes (`/v1alpha1/…`) answer in Google's shape instead,
{"error": {"code": <HTTP status>, "message", "status": "INVALID_ARGUMENT"|…}}, because that is what
Perspective clients parse; there every invalid body is a 400, as Google answers it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


GOOGLE_PREFIX = "/v1alpha1/"
# HTTP status → google.rpc.Code name, as Google APIs put it in "status".
GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def uses_google_errors(path: str) -> bool:
    return path.startswith(GOOGLE_PREFIX)


def error_body(status: int, code: str, message: str, path: str = "") -> dict[str, Any]:
    if uses_google_errors(path):
        return {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, path: str = ""
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, path), status_code=status, headers=headers)


_HTTP_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    401: "unauthorized",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.headers, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors()[:10]:
            location = list(item.get("loc", ()))
            if location[:1] == ["body"]:  # FastAPI's prefix, not a field (an article has a field "body")
                location = location[1:]
            where = ".".join(str(part) for part in location)
            message = item.get("msg", "invalid")
            given = item.get("input")
            if item.get("type") == "string_pattern_mismatch" and isinstance(given, str):
                if "\x00" in given:
                    message = "must not contain the NUL character (U+0000)"
                elif not given.strip():
                    message = "must not be blank"
            problems.append(f"{where or 'body'}: {message}")
        status = 400 if uses_google_errors(request.url.path) else 422
        return error_response(
            status, "invalid_request", "; ".join(problems) or "invalid request", None, request.url.path
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, "http_error")
        headers = getattr(error, "headers", None)
        return error_response(error.status_code, code, str(error.detail), headers, request.url.path)

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, error: OperationalError) -> JSONResponse:
        # The transaction was rolled back: nothing half-written; the client retries the same request.
        # (Statement parameters are hidden by the engine: this line carries no comment text.)
        log.error("database unavailable: %s", str(error).splitlines()[0])
        cause = str(error.orig or "").lower()
        if "disk is full" in cause or "no space left" in cause or "could not extend file" in cause:
            return error_response(
                503,
                "storage_full",
                "the database has no space left; nothing was stored",
                {"Retry-After": "60"},
                request.url.path,
            )
        if "readonly database" in cause or "read-only" in cause:
            return error_response(
                503,
                "database_read_only",
                "the database is read-only; nothing was stored",
                {"Retry-After": "60"},
                request.url.path,
            )
        return error_response(
            503,
            "database_unavailable",
            "the database is unreachable; retry shortly",
            {"Retry-After": "5"},
            request.url.path,
        )

    @app.exception_handler(DataError)
    async def _refused_data(request: Request, error: DataError) -> JSONResponse:
        # A value the database refuses (the schema should have caught it): the client's data, not a crash.
        # Parameters are hidden by the engine (hide_parameters), so no comment text reaches the log.
        log.warning("database refused a value: %s", type(error.orig).__name__)
        return error_response(422, "invalid_data", "a value in the request cannot be stored", None, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(
            500, "internal_error", "the server failed; the request can be retried", None, request.url.path
        )
