"""The class store as a JupyterHub-managed service: identity is the hub's user, teachers a hub group's scope.

    reader class-service --hub [--db URL] [--edition NAME] [--state-dir FOLDER]

JupyterHub starts it (``c.JupyterHub.services``, see ``deploy/jupyterhub_config.py`` and ``docs/jupyterhub.md``) with
``JUPYTERHUB_SERVICE_URL`` (where to listen), ``JUPYTERHUB_SERVICE_PREFIX`` (``/services/reader-class/``) and its own
API token. It serves the same API as ``reader.classroom.service`` under ``PREFIX/class/api/``, with these changes:

- every request must carry a hub token (``Authorization: token ...``: in a student's kernel, the
  ``JUPYTERHUB_API_TOKEN`` of their server) whose scopes include ``access:services!service=NAME``; anything else is
  refused (403) before the store is asked;
- the student is the token's hub user (:meth:`ClassStore.hub_student`), never a header the caller sends: the
  ``X-Reader-Student`` and ``X-Reader-Teacher`` headers of a request are thrown away, and there is no join;
- the teacher routes (``teacher/...``) need the custom scope ``custom:class-teacher:view`` on the token (a hub role
  given to the group ``teachers``); the service then acts with the class's teacher secret, which it alone keeps.

One service serves one class (of one edition); its code, id and secret are kept in ``STATE_DIR/class.json`` (mode
0600) so that a restarted service continues the same class.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

TEACHER_SCOPE = "custom:class-teacher:view"
STUDENT_HEADER = "X-Reader-Student"
TEACHER_HEADER = "X-Reader-Teacher"
DEFAULT_SERVICE_NAME = "reader-class"


class HubClass:
    """The one class this service serves, and the store token of each hub user met (kept for the service's life)."""

    def __init__(self, store, class_id: int, teacher_secret: str):
        self.store = store
        self.class_id = class_id
        self.teacher_secret = teacher_secret
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def token_for(self, hub_user: str) -> str:
        with self._lock:
            if hub_user not in self._tokens:
                self._tokens[hub_user] = self.store.hub_student(self.class_id, hub_user).token
            return self._tokens[hub_user]

    def forget_tokens(self) -> None:
        """After the class is cleared its students are gone: the next request makes them again."""
        with self._lock:
            self._tokens.clear()


def hub_identity(handler_class: type, hub_auth, hub_class: HubClass) -> type:
    """``handler_class`` (a route of the class API) whose caller is the hub user of the request's token."""
    from jupyterhub.services.auth import check_scopes

    class HubIdentityHandler(handler_class):
        """A refusal is answered from the route's method, after the request has been read (answering from
        ``prepare`` would leave the body unread and the connection unusable by the hub's proxy)."""

        _hub_refusal: str | None = None

        async def prepare(self) -> None:
            headers = self.request.headers
            for name in (STUDENT_HEADER, TEACHER_HEADER):  # never the caller's word for who they are
                while name in headers:
                    del headers[name]
            super().prepare()
            if self._finished:
                return
            self._hub_refusal = await self._identify(headers)

        async def _identify(self, headers) -> str | None:
            user = await hub_auth.get_user(self, sync=False)
            scopes = set(user.get("scopes", ())) if user else set()
            if not user or not check_scopes(hub_auth.access_scopes, scopes):
                return "a JupyterHub token with access to this service is needed"
            path = self.request.path
            if "/teacher/" in path:
                if not check_scopes({TEACHER_SCOPE}, scopes):
                    return f"the teacher's view needs the {TEACHER_SCOPE} scope (hub group teachers)"
                headers[TEACHER_HEADER] = hub_class.teacher_secret
                if path.endswith("/teacher/clear"):
                    hub_class.forget_tokens()
            elif path.endswith("/join"):
                return "on JupyterHub your hub user is who you are in the class: there is nothing to join"
            elif not path.endswith("/health"):
                loop = asyncio.get_running_loop()
                headers[STUDENT_HEADER] = await loop.run_in_executor(None, hub_class.token_for, user["name"])
            return None

        def get(self, *arguments):
            return self.fail(403, self._hub_refusal) if self._hub_refusal else super().get(*arguments)

        def post(self, *arguments):
            return self.fail(403, self._hub_refusal) if self._hub_refusal else super().post(*arguments)

    HubIdentityHandler.__name__ = f"Hub{handler_class.__name__}"
    return HubIdentityHandler


def make_hub_app(store, hub_class: HubClass, hub_auth, prefix: str):
    """The class API under ``prefix`` with every route behind the hub's identity."""
    from reader.classroom.service import make_app

    app = make_app(store, prefix=prefix)
    for rule in app.wildcard_router.rules:
        rule.target = hub_identity(rule.target, hub_auth, hub_class)
    return app


def prepare_hub_class(store, state_dir: Path, edition: str, title: str) -> HubClass:
    """The class of ``state_dir/class.json`` if the store still knows it, else a new one written there (0600)."""
    from reader.atomic_files import write_atomically

    state_file = state_dir / "class.json"
    try:
        saved = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        saved = {}
    if saved.get("teacher_secret"):
        try:
            record = store.teacher_class(saved["teacher_secret"])
            return HubClass(store, record.class_id, saved["teacher_secret"])
        except (LookupError, PermissionError):
            pass  # cleared or deleted: a new class below
    info = store.create_class(edition, title)
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = {"format": 1, "edition": edition, "class_id": info.class_id, "code": info.code}
    write_atomically(
        state_file, json.dumps({**content, "teacher_secret": info.teacher_secret}) + "\n", new_file_mode=0o600
    )
    return HubClass(store, info.class_id, info.teacher_secret)


async def serve(database: str, edition_path: str | None, state_dir: Path) -> None:
    import tornado.netutil
    from jupyterhub.services.auth import HubAuth

    from reader.classroom.service import make_server
    from reader.classroom.store import ClassStore
    from reader.loader import load

    edition = load(edition_path)
    store = ClassStore(database)
    hub_class = prepare_hub_class(store, state_dir, edition.name, edition.title)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{DEFAULT_SERVICE_NAME}/").rstrip("/")
    hub_auth = HubAuth(cache_max_age=60)
    server = make_server(make_hub_app(store, hub_class, hub_auth, prefix + "/class/api"))
    where = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8868"))
    sockets = tornado.netutil.bind_sockets(where.port or 80, address=where.hostname or "127.0.0.1")
    server.add_sockets(sockets)
    print(f"reader class service (JupyterHub): listening on {where.geturl()} under {prefix}/class/api/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    await stop.wait()
    server.stop()
    await server.close_all_connections()
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reader class-service --hub", description=__doc__.split("\n")[0])
    parser.add_argument("--hub", action="store_true", help="run as a JupyterHub-managed service (required)")
    parser.add_argument(
        "--db",
        default=os.environ.get("READER_CLASS_DB"),
        help="the class store: a postgresql+psycopg:// URL (or READER_CLASS_DB); default SQLite in --state-dir",
    )
    parser.add_argument("--edition", help="the edition folder (default: READER_EDITION or the bundled one)")
    parser.add_argument("--state-dir", default=".", help="where class.json is kept (default: the working folder)")
    from reader.errors import EditionError

    arguments = parser.parse_args(argv)
    if not arguments.hub:
        parser.error("only --hub is supported here; on one machine use `reader app --class`")
    state_dir = Path(arguments.state_dir).resolve()
    database = arguments.db or str(state_dir / "class.db")
    try:
        asyncio.run(serve(database, arguments.edition, state_dir))
    except KeyboardInterrupt:
        return 130
    except (OSError, LookupError, PermissionError, ValueError, EditionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
