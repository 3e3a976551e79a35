"""Real servers for the class tests: a PostgreSQL server and the class service, each in a throw-away folder.

PostgreSQL is Debian's (``scripts/ensure-postgres.sh`` installs it when run as root): ``initdb`` and ``postgres``
refuse to run as root, so as root they run as the unprivileged ``postgres`` user (or ``nobody``) in a temporary folder
that user owns; otherwise as the current user. The server listens on 127.0.0.1 on a free port, trusts local
connections (a test server holding test data only), and is stopped by the process id it was started with (fast
shutdown, then kill), and its folder removed. It never skips in CI.

Used by tests/test_class_store.py and tests/test_class_service.py, by the class-ui branch's hub tests, and by
benchmarks/bench_class_store.py (``PostgresServer`` and ``ServiceProcess`` work without pytest).
"""

import contextlib
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

try:
    import pwd  # POSIX only; the PostgreSQL tests run on Linux
except ImportError:  # pragma: no cover (Windows)
    pwd = None  # type: ignore[assignment]

REPOSITORY = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_binaries() -> Path | None:
    """The folder with ``initdb`` and ``postgres``: Debian keeps them off PATH, in /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _server_user():
    """Who runs the server: None (the current user) unless root, then ``postgres`` or ``nobody``."""
    if pwd is None or os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


class PostgresServer:
    """A PostgreSQL server of its own in a temporary folder; ``url(database)`` for SQLAlchemy (psycopg 3)."""

    _databases = itertools.count(1)

    def __init__(self, *, durable: bool = False):
        binaries = postgres_binaries()
        if binaries is None:
            raise FileNotFoundError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.binaries = binaries
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="reader-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.log = self.folder / "postgres.log"
        if self.user:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self._run([str(binaries / "initdb"), "-D", str(self.data), "-U", "reader", "--auth=trust", "-E", "UTF8"])
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.folder}"]
        if not durable:  # tests: no need to survive a power cut
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        with open(self.log, "wb") as log:
            if self.user:
                os.chown(self.log, self.user.pw_uid, self.user.pw_gid)
            self.process = subprocess.Popen(
                [str(binaries / "postgres"), "-D", str(self.data), "-p", str(self.port), *settings],
                stdout=log,
                stderr=subprocess.STDOUT,
                **self._as_user(),
            )
        self._wait_ready()

    def _as_user(self) -> dict:
        if not self.user:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": [], "cwd": str(self.folder)}

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, **self._as_user())
        if result.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres stopped at start: {self.log.read_text(errors='replace')}")
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=5):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"postgres did not accept connections within {START_TIMEOUT} s") from None
                time.sleep(0.1)

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=reader dbname={database}"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://reader@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database on this server; its SQLAlchemy URL."""
        import psycopg

        name = f"class_{os.getpid()}_{next(self._databases)}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown by the process id it was started with (then kill), and remove the folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


class ServiceProcess:
    """``python -m reader.classroom.service`` on a free port, stopped (or killed) by its process id."""

    def __init__(self, database_url: str, *, port: int | None = None, extra: tuple[str, ...] = ()):
        self.database_url = database_url
        self.port = port or free_port()
        self.extra = extra
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        command = [sys.executable, "-m", "reader.classroom.service", "--db", self.database_url]
        command += ["--host", "127.0.0.1", "--port", str(self.port), *self.extra]
        self.output: list[str] = []
        listening = threading.Event()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def read(stream) -> None:  # keeps reading, so that the service never blocks on a full pipe
            for line in stream:
                self.output.append(line)
                if "listening on http://" in line:
                    listening.set()

        threading.Thread(target=read, args=(self.process.stdout,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while not listening.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the class service did not start: {''.join(self.output)}")

    def kill(self) -> None:
        """As a crash or a pulled plug: SIGKILL, no clean shutdown."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(f"the class tests never skip in CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the test session (each test takes a fresh database on it)."""
    if postgres_binaries() is None:
        _missing("PostgreSQL is not installed (Debian: apt-get install postgresql; ./run-tests does it as root)")
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database_url(request, tmp_path):
    """An empty class database: a SQLite file, then a fresh database on the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.db'}"
    return request.getfixturevalue("postgres_server").new_database()


class ServiceThread:
    """The class service in this process, on its own event loop in a thread (fast to start; for API tests)."""

    def __init__(self, store, *, port: int = 0, **app_options):
        import asyncio

        from reader.classroom.service import make_app, make_server

        self.store = store
        self._started = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            import tornado.netutil

            asyncio.set_event_loop(self._loop)
            self._app = make_app(store, **app_options)
            self._server = make_server(self._app)
            sockets = tornado.netutil.bind_sockets(port, address="127.0.0.1")
            self._server.add_sockets(sockets)
            self.port = sockets[0].getsockname()[1]
            self._started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT):
            raise RuntimeError("the class service thread did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.stop)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        executor = self._app.settings["store_executor"]
        if executor is not None:
            executor.shutdown(wait=True)
