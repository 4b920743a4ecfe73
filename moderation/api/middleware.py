"""Pure ASGI guards that run before any parsing: content type and body size."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def _send_error(send: Send, status: int, code: str, message: str, path: str = "") -> None:
    from moderation.api.errors import error_body

    body = json.dumps(error_body(status, code, message, path)).encode()
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """415 unless a body is JSON; 413 as soon as a body passes `max_bytes` (even without Content-Length)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if headers.get(b"content-length") == b"0":  # nothing to check (e.g. release or reopen an item)
            await self.app(scope, receive, send)
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        # The moderators' pages post HTML forms; everything else speaks JSON.
        form_ok = content_type == b"application/x-www-form-urlencoded" and scope["path"].startswith("/moderator/")
        if content_type != b"application/json" and not form_ok:
            await _send_error(send, 415, "unsupported_media_type", "send the body as application/json", scope["path"])
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _send_error(
                send, 413, "body_too_large", f"the body is larger than {self.max_bytes} bytes", scope["path"]
            )
            return
        received = 0
        started = False
        too_large = False

        async def limited_receive() -> Message:
            # Past the limit the app is told the client left: raising here instead would be turned into a
            # 400 "error parsing the body" by FastAPI's body reader.
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if too_large:
                return  # whatever the app answers to a cut-off body is replaced by the 413 below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _send_error(
                send, 413, "body_too_large", f"the body is larger than {self.max_bytes} bytes", scope["path"]
            )


def client_key(headers: Any) -> str | None:
    """The API key from `Authorization: Bearer …` or `X-API-Key`."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return str(authorization[7:].strip())
    return headers.get("x-api-key")


class SecurityHeaders:
    """`X-Content-Type-Options: nosniff` on every answer: JSON holding a comment's HTML is never sniffed and
    rendered as a page by a browser. Paths under `page_prefix` (the moderators' HTML pages) also get
    `page_headers` (CSP, framing), unless the route set them itself."""

    def __init__(
        self, app: ASGIApp, page_prefix: str | None = None, page_headers: dict[str, str] | None = None
    ) -> None:
        self.app = app
        self.page_prefix = page_prefix
        self.page_headers = [(k.lower().encode(), v.encode()) for k, v in (page_headers or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        on_page = self.page_prefix is not None and scope["path"].startswith(self.page_prefix)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]
                if on_page:
                    present = {name for name, _ in headers}
                    headers += [(n, v) for n, v in self.page_headers if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestMetrics:
    """Counts requests and their latency per route template (pure ASGI: cheaper than BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            runtime = getattr(scope["app"].state, "runtime", None)
            if runtime is not None:
                route = getattr(scope.get("route"), "path", "unmatched")
                metrics = runtime.metrics
                metrics.child(metrics.requests, route, str(status)).inc()
                metrics.child(metrics.latency, route).observe(time.perf_counter() - started)
