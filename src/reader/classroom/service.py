"""The class store's HTTP API: a small tornado application under ``/class/api/``, JSON in and out.

    python -m reader.classroom.service --db URL_OR_PATH [--host 127.0.0.1] [--port 8867]

Routes (a student's token in the ``X-Reader-Student`` header, the teacher secret in ``X-Reader-Teacher``; never
in a URL, so never in a log):

=======  ==============================================  ==========================================================
POST     ``/class/api/join``                              ``{"code", "name"}`` (with a student token: be them again)
GET      ``/class/api/state``                             the student's own notes, judgements, place, revealed claims
POST     ``/class/api/note``                              ``{"paragraph", "text", "client_seq"}``
POST     ``/class/api/judgement``                         ``{"claim_id", "verdict", "reason", "client_seq"}``
POST     ``/class/api/progress``                          ``{"paragraph"}``
GET      ``/class/api/distribution?claim_id=ID``          the class's verdicts, once revealed and judged
GET      ``/class/api/teacher/summary[?claim_id=ID…]``    per claim, counts per verdict
GET      ``/class/api/teacher/reasons?claim_id=ID[&names=1]``
GET      ``/class/api/teacher/progress``
POST     ``/class/api/teacher/reveal``, ``…/hide``        ``{"claim_id": ID or null}``
GET      ``/class/api/teacher/export.csv``
POST     ``/class/api/teacher/clear``                     ``{"confirm": true}``
GET      ``/class/api/health``
=======  ==============================================  ==========================================================

Errors are JSON ``{"error": "one line"}`` with the store's status (400 bad input, 403 refused, 404 unknown class
code, 413 body too large, 429 too many joins, 503 store unreachable). Bodies are limited to 128 KB. Joins are
rate-limited per address and in all (a class code cannot be guessed by trying: 31⁸ codes, a few tries a minute).
No CORS headers are sent (a page of another origin cannot read the answers, nor send the token headers), a POST
must be ``application/json``, and every answer carries a Content-Security-Policy that forbids everything, ``nosniff``
and ``no-store``. The access log names method, path (no query string) and status only.
"""

import argparse
import asyncio
import contextlib
import functools
import json
import logging
import signal
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, is_dataclass
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from reader.classroom.store import ClassStore, ClassStoreError, InvalidInput, NotAllowed

MAX_BODY_BYTES = 128 * 1024
MAX_CONNECTION_BODY_BYTES = 8 * MAX_BODY_BYTES  # past this the server does not read on: it closes the connection
STUDENT_HEADER = "X-Reader-Student"
TEACHER_HEADER = "X-Reader-Teacher"
DEFAULT_PORT = 8867
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

access_log = logging.getLogger("reader.classroom.access")


class RateLimit:
    """At most ``limit`` events per ``window`` seconds per key (a sliding window of times)."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        events = self._events[key]
        now = time.monotonic()
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]  # an address seen once is not kept for ever
            return deque()
        return events

    def full(self, key: str) -> bool:
        return len(self._recent(key)) >= self.limit

    def record(self, key: str) -> None:
        self._events[key].append(time.monotonic())

    def retry_after(self, key: str) -> int:
        """Seconds until the oldest event of the window leaves it."""
        events = self._recent(key)
        return max(1, int(events[0] + self.window - time.monotonic()) + 1) if events else 1


class JoinLimits:
    """Failed joins (a wrong code) per address and in all, and all joins per address (a class behind one NAT).

    The defaults let a class of 60 join from one school address in a minute, and stop anyone trying codes after a
    few: 10 wrong codes a minute per address, 60 a minute in all (so one code in 8.5×10¹¹ is tried at most 60 times
    a minute, whatever the number of addresses).
    """

    def __init__(self, failed_per_address: int = 10, failed_in_all: int = 60, joins_per_address: int = 120):
        self.failed_per_address = RateLimit(failed_per_address, 60.0)
        self.failed_in_all = RateLimit(failed_in_all, 60.0)
        self.joins_per_address = RateLimit(joins_per_address, 60.0)

    def blocked(self, address: str) -> int | None:
        """Seconds to wait, or None when a join may be tried now (which is then counted)."""
        for limit, key in (
            (self.failed_per_address, address),
            (self.failed_in_all, "*"),
            (self.joins_per_address, address),
        ):
            if limit.full(key):
                return limit.retry_after(key)
        self.joins_per_address.record(address)
        return None

    def failed(self, address: str) -> None:
        self.failed_per_address.record(address)
        self.failed_in_all.record("*")


class BodyTooLarge(InvalidInput):
    status = 413


class NotJson(InvalidInput):
    status = 415


@tornado.web.stream_request_body
class ApiHandler(tornado.web.RequestHandler):
    """JSON in, JSON out, the store's errors as one line, the security headers on every answer.

    The body is streamed and never kept past 128 KB: a larger one (up to 1 MB) is read, dropped and answered 413,
    so the connection stays usable; one declared over 1 MB is answered 413 at once, unread, and its connection
    closed (as the server closes any connection whose body passes 1 MB).
    """

    store: ClassStore

    def initialize(self, store: ClassStore, limits: JoinLimits) -> None:
        self.store = store
        self.limits = limits

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "application/json; charset=utf-8")

    def prepare(self) -> None:
        self._chunks: list[bytes] = []
        self._received = 0
        declared = self.request.headers.get("Content-Length", "0")
        if self.request.method == "POST" and declared.isdigit() and int(declared) > MAX_CONNECTION_BODY_BYTES:
            # not worth reading: answered at once, and the connection closed
            self.fail(413, f"the request is larger than {MAX_BODY_BYTES // 1024} KB")

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received <= MAX_BODY_BYTES:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()

    def options(self, *_args) -> None:
        """No CORS: a preflight is answered without any Access-Control header, so browsers refuse it."""
        self.set_status(405)
        self.finish(json.dumps({"error": "cross-origin requests are not allowed"}))

    def fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": message}))

    async def call(self, method: str, *arguments: Any, **keywords: Any) -> Any:
        """A store method, run in the service's worker threads: the event loop goes on reading other requests, and
        PostgreSQL commits several students' writes at once."""
        function = functools.partial(getattr(self.store, method), *arguments, **keywords)
        executor = self.settings["store_executor"]
        if executor is None:  # on the event loop itself (SQLite: one writer anyway, no thread hand-over)
            return function()
        return await asyncio.get_running_loop().run_in_executor(executor, function)

    def write_json(self, value) -> None:
        self.finish(json.dumps(_plain(value), ensure_ascii=False))

    def body(self) -> dict[str, Any]:
        if self._received > MAX_BODY_BYTES:
            raise BodyTooLarge(f"the request is larger than {MAX_BODY_BYTES // 1024} KB")
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":  # answered after reading the body: the connection stays usable
            raise NotJson("send JSON (Content-Type: application/json)")
        try:
            value = json.loads(b"".join(self._chunks) or b"{}")
        except (ValueError, RecursionError) as error:
            raise InvalidInput(f"the request body is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise InvalidInput("the request body: expected a JSON object")
        return value

    def student_token(self) -> str:
        """The student's token: from the header, or from the application's ``student_token_of`` (a hub service)."""
        resolve = self.settings.get("student_token_of")
        token = resolve(self) if resolve else self.request.headers.get(STUDENT_HEADER, "")
        if not token:
            raise NotAllowed(f"a student token is needed ({STUDENT_HEADER} header)")
        return token

    def teacher_secret(self) -> str:
        """The teacher secret: from the header, or from the application's ``teacher_secret_of`` (a hub service)."""
        resolve = self.settings.get("teacher_secret_of")
        secret = resolve(self) if resolve else self.request.headers.get(TEACHER_HEADER, "")
        if not secret:
            raise NotAllowed(f"the teacher secret is needed ({TEACHER_HEADER} header)")
        return secret

    def write_error(self, status_code: int, **kwargs) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        specific = isinstance(error, tornado.web.HTTPError) and error.log_message
        self.finish(json.dumps({"error": error.log_message if specific else self._reason}))

    def _handle_request_exception(self, error: BaseException) -> None:
        if isinstance(error, InvalidInput) and not isinstance(error, BodyTooLarge | NotJson):
            error = self._refusal_first(error)
        if isinstance(error, ClassStoreError):
            if not self._finished:
                self.fail(error.status, error.message)
            return
        super()._handle_request_exception(error)  # a bug: logged with its traceback, 500 with one line

    def _refusal_first(self, error: InvalidInput) -> ClassStoreError:
        """Who asks is checked before what they sent: bad input with an unknown token or secret is a 403."""
        try:
            if "/teacher/" in self.request.path:
                self.store.teacher_class(self.teacher_secret())
            elif not self.request.path.endswith(("/join", "/health")):
                self.store.student(self.student_token())
        except ClassStoreError as refusal:
            return refusal
        return error

    def check_xsrf_cookie(self) -> None:
        """Nothing here reads cookies: a request is authorised only by its token header."""


_REQUIRED: Any = object()


def field(body: dict[str, Any], name: str, default: Any = _REQUIRED) -> Any:
    """A field of a request body; a missing one is named in a 400 answer."""
    if name in body:
        return body[name]
    if default is _REQUIRED:
        raise InvalidInput(f"{name}: missing from the request")
    return default


def _plain(value):
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted(_plain(item) for item in value)
    return value


class JoinHandler(ApiHandler):
    async def post(self) -> None:
        address = self.request.remote_ip or "?"
        wait = self.limits.blocked(address)
        if wait is not None:
            self.set_header("Retry-After", str(wait))
            self.fail(429, f"too many attempts to join; try again in {wait} s")
            return
        body = self.body()
        token = self.request.headers.get(STUDENT_HEADER) or None
        try:
            session = await self.call("join", field(body, "code"), field(body, "name"), token=token)
        except ClassStoreError as error:
            if error.status == 404:
                self.limits.failed(address)
            raise
        self.write_json(session)


class StateHandler(ApiHandler):
    async def get(self) -> None:
        self.write_json(await self.call("student_state", self.student_token()))


class NoteHandler(ApiHandler):
    async def post(self) -> None:
        body = self.body()
        token = self.student_token()
        applied = await self.call(
            "save_note", token, field(body, "paragraph"), field(body, "text"), field(body, "client_seq")
        )
        self.write_json({"applied": applied})


class JudgementHandler(ApiHandler):
    async def post(self) -> None:
        body = self.body()
        token = self.student_token()
        applied = await self.call(
            "save_judgement",
            token,
            field(body, "claim_id"),
            field(body, "verdict"),
            field(body, "reason", ""),
            field(body, "client_seq"),
        )
        self.write_json({"applied": applied})


class ProgressHandler(ApiHandler):
    async def post(self) -> None:
        body = self.body()
        await self.call("save_progress", self.student_token(), field(body, "paragraph"))
        self.write_json({"applied": True})


class DistributionHandler(ApiHandler):
    async def get(self) -> None:
        claim_id = self.get_query_argument("claim_id", "")
        self.write_json(await self.call("distribution", self.student_token(), claim_id))


class SummaryHandler(ApiHandler):
    async def get(self) -> None:
        claim_ids = self.get_query_arguments("claim_id")
        self.write_json(await self.call("summary", self.teacher_secret(), claim_ids))


class ReasonsHandler(ApiHandler):
    async def get(self) -> None:
        show_names = self.get_query_argument("names", "0") in ("1", "true", "yes")
        claim_id = self.get_query_argument("claim_id", "")
        reasons = await self.call("reasons", self.teacher_secret(), claim_id, show_names)
        self.write_json({"reasons": reasons})


class ProgressListHandler(ApiHandler):
    async def get(self) -> None:
        self.write_json({"students": await self.call("progress", self.teacher_secret())})


class RevealHandler(ApiHandler):
    def initialize(self, store: ClassStore, limits: JoinLimits, revealed: bool = True) -> None:
        super().initialize(store, limits)
        self.revealed = revealed

    async def post(self) -> None:
        secret, body = self.teacher_secret(), self.body()
        claim_id = field(body, "claim_id", None)
        await self.call("reveal" if self.revealed else "hide", secret, claim_id)
        self.write_json({"claim_id": claim_id, "revealed": self.revealed})


class ExportHandler(ApiHandler):
    async def get(self) -> None:
        text = await self.call("export_csv", self.teacher_secret())
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", 'attachment; filename="class-results.csv"')
        self.finish(text.encode("utf-8"))


class ClearHandler(ApiHandler):
    async def post(self) -> None:
        secret, body = self.teacher_secret(), self.body()
        if body.get("confirm") is not True:
            raise InvalidInput('clearing a class deletes every student\'s work: send {"confirm": true}')
        self.write_json({"students_deleted": await self.call("clear_class", secret)})


class HealthHandler(ApiHandler):
    async def get(self) -> None:
        self.write_json({"ok": True, "schema_version": await self.call("schema_version")})


class NotFoundHandler(ApiHandler):
    def prepare(self) -> None:
        self.fail(404, "no such route in the class API")


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Method, path without query string, status, time: never a token (they travel in headers anyway)."""
    request = handler.request
    access_log.info(
        "%s %s %d %.1f ms", request.method, request.path, handler.get_status(), 1000 * request.request_time()
    )


def make_app(
    store: ClassStore,
    *,
    limits: JoinLimits | None = None,
    prefix: str = "/class/api",
    student_token_of: Callable[[tornado.web.RequestHandler], str | None] | None = None,
    teacher_secret_of: Callable[[tornado.web.RequestHandler], str | None] | None = None,
    workers: int | None = None,
    **tornado_settings: Any,
) -> tornado.web.Application:
    """The tornado application over ``store``.

    ``prefix`` mounts it under another URL (a JupyterHub service's ``/services/NAME/class/api``). By default the
    student's token and the teacher's secret come from the request's headers; a JupyterHub service gives
    ``student_token_of(handler)`` and ``teacher_secret_of(handler)`` instead, which find them from the hub's
    authenticated user (None or "" refuses the request with 403). The store is called from ``workers`` threads
    (default: 8 for PostgreSQL, which commits several at once; 2 for SQLite, which has one writer at a time but lets
    a teacher's summary run beside it; ``workers=0`` runs them on the event loop itself).
    ``tornado_settings`` go to the application (a cookie secret, for one).
    """
    settings = {"store": store, "limits": limits or JoinLimits()}
    if workers is None:
        workers = 8 if store.dialect == "postgresql" else 2
    routes = [
        ("join", JoinHandler, settings),
        ("state", StateHandler, settings),
        ("note", NoteHandler, settings),
        ("judgement", JudgementHandler, settings),
        ("progress", ProgressHandler, settings),
        ("distribution", DistributionHandler, settings),
        ("teacher/summary", SummaryHandler, settings),
        ("teacher/reasons", ReasonsHandler, settings),
        ("teacher/progress", ProgressListHandler, settings),
        ("teacher/reveal", RevealHandler, {**settings, "revealed": True}),
        ("teacher/hide", RevealHandler, {**settings, "revealed": False}),
        ("teacher/export.csv", ExportHandler, settings),
        ("teacher/clear", ClearHandler, settings),
        ("health", HealthHandler, settings),
    ]
    handlers = [(f"{prefix.rstrip('/')}/{path}", handler, arguments) for path, handler, arguments in routes]
    return tornado.web.Application(
        handlers,
        default_handler_class=NotFoundHandler,
        default_handler_args=settings,
        log_function=_log_request,
        xsrf_cookies=False,
        compress_response=False,
        student_token_of=student_token_of,
        teacher_secret_of=teacher_secret_of,
        store_executor=ThreadPoolExecutor(workers, "class-store") if workers else None,
        **tornado_settings,
    )


def make_server(app: tornado.web.Application) -> tornado.httpserver.HTTPServer:
    """An HTTP server that closes a connection whose body passes 1 MB (the handlers answer 413 past 128 KB)."""
    return tornado.httpserver.HTTPServer(app, max_body_size=MAX_CONNECTION_BODY_BYTES, xheaders=False)


async def serve(database: str, host: str, port: int, workers: int | None = None) -> None:
    store = ClassStore(database)
    app = make_app(store, workers=workers)
    server = make_server(app)
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    print(f"reader class service: listening on http://{host}:{bound}/class/api/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        # Windows has no signal handlers in asyncio: Ctrl-C still ends asyncio.run with KeyboardInterrupt
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal_number, stop.set)
    try:
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
        if app.settings["store_executor"] is not None:
            app.settings["store_executor"].shutdown(wait=True)
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reader.classroom.service", description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="a SQLite file path, or a postgresql+psycopg:// URL")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this computer only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    parser.add_argument(
        "--workers", type=int, default=None, help="threads calling the store (default: 8 for PostgreSQL, 2 for SQLite)"
    )
    arguments = parser.parse_args(argv)
    if not 0 <= arguments.port <= 65535:
        parser.error(f"--port {arguments.port}: expected 0 to 65535")
    logging.basicConfig(level=logging.WARNING if arguments.quiet else logging.INFO, format="%(message)s")
    try:
        asyncio.run(serve(arguments.db, arguments.host, arguments.port, arguments.workers))
    except KeyboardInterrupt:
        return 0
    except ClassStoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot listen on {arguments.host}:{arguments.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
