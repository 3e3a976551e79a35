"""The class store served as a JupyterHub service: 30 students, hub users, write at once through the hub's proxy;
against the same writes straight to the plain class service, on the same PostgreSQL, measured in the same run.

    .venv/bin/python benchmarks/bench_class_hub_service.py [--students 30]

Needs the test extra (jupyterhub), configurable-http-proxy in .cache/chp (scripts/ensure-npm.sh) and PostgreSQL
(scripts/ensure-postgres.sh), as tests/test_class_hub.py does; its helpers are reused from there.

1. **Through the hub**: a real local JupyterHub (DummyAuthenticator, deploy/jupyterhub_config.py) starts the class
   service (``reader class-service --hub``) on a database of a PostgreSQL server started in a temporary folder
   (fsync on). 30 hub users are created through the hub API, each with a token carrying the service's access scope.
   Each student (one thread, no pause) makes the writes of benchmarks/bench_class_store.py (progress, a note typed
   then corrected, a judgement with a reason for each claim: 87 writes) as requests through the hub's proxy with
   ``Authorization: token ...``; the service checks each token with the hub (cached by HubAuth for 60 s).
2. **Baseline**: the same writes from 30 threads straight to ``python -m reader.classroom.service`` (no hub, no
   proxy, the single-machine API with a student token) on another database of the same PostgreSQL server.

Afterwards the rows in each store are read back and compared with what was sent: every student's last note per
paragraph, every judgement (verdict and reason) and the furthest paragraph must be there: the lost count.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from bench_class_store import claims_by_paragraph, new_class, send, student_writes
from common import REPOSITORY, main_guard, median, percentile, report

sys.path.insert(0, str(REPOSITORY / "tests"))
from class_servers import PostgresServer, ServiceProcess, free_port, postgres_binaries  # noqa: E402
from reader.classroom.client import RemoteClassStore  # noqa: E402
from reader.classroom.identity import HUB_IDENTITY  # noqa: E402
from test_class_hub import ACCESS, CHP, SERVICE, answers, api, hub_config, token_of, wait_until  # noqa: E402

VENV_BIN = Path(sys.executable).parent


class LocalHub:
    """A local JupyterHub as tests/test_class_hub.py starts it, the class service on ``database``."""

    def __init__(self, folder: Path, database: str):
        port, service_port = free_port(), free_port()
        config = folder / "jupyterhub_config.py"
        config.write_text(hub_config(folder, port, admin="bench-admin"), encoding="utf-8")
        environment = {
            **os.environ,
            "READER_CLASS_DB": database,
            "READER_CLASS_SERVICE_PORT": str(service_port),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.log_path = folder / "hub.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
                cwd=folder,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: answers(f"{self.base}/hub/api/"), self.process, self.log_path)
            service_health = f"{self.base}/services/{SERVICE}/class/api/health"
            wait_until(lambda: answers(service_health, ok=(200, 403)), self.process, self.log_path)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


def timed_writes(stores: list[RemoteClassStore], tokens: list[str], claims) -> tuple[list[float], int, float]:
    """Every student's writes at once, one thread each; latencies (s), failures, wall time."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def one_student(number: int) -> None:
        own = []
        for write in student_writes(number, claims):
            started = time.perf_counter()
            try:
                send(stores[number], tokens[number], write)
            except Exception as error:  # counted and shown, never hidden
                with lock:
                    failures[0] += 1
                print(f"write failed: {error}", file=sys.stderr)
                continue
            own.append(time.perf_counter() - started)
        with lock:
            latencies.extend(own)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        list(pool.map(one_student, range(len(tokens))))
    return latencies, failures[0], time.perf_counter() - started


def expected_rows(number: int, claims) -> dict[tuple, tuple]:
    """What the store must hold after student ``number``'s session: the last value of each note, judgement, place."""
    expected: dict[tuple, tuple] = {}
    for write in student_writes(number, claims):
        if write[0] == "progress":
            expected[("progress",)] = (write[1],)
        elif write[0] == "note":
            expected[("note", write[1])] = (write[2],)
        else:
            expected[("judgement", write[1])] = (write[2], write[3])
    return expected


def stored_rows(database: str) -> dict[str, dict[tuple, tuple]]:
    """The rows of the store, by student name (the hub user, or the name given when joining)."""
    engine = sa.create_engine(database)
    metadata = sa.MetaData()
    students, notes, judgements, progress = (
        sa.Table(name, metadata, autoload_with=engine) for name in ("students", "notes", "judgements", "progress")
    )
    rows: dict[str, dict[tuple, tuple]] = {}
    with engine.connect() as connection:
        names = {
            row.student_id: row.hub_user or row.name
            for row in connection.execute(sa.select(students.c.student_id, students.c.name, students.c.hub_user))
        }
        for row in connection.execute(sa.select(notes.c.student_id, notes.c.paragraph, notes.c.text)):
            rows.setdefault(names[row.student_id], {})[("note", row.paragraph)] = (row.text,)
        for row in connection.execute(
            sa.select(judgements.c.student_id, judgements.c.claim_id, judgements.c.verdict, judgements.c.reason)
        ):
            rows.setdefault(names[row.student_id], {})[("judgement", row.claim_id)] = (row.verdict, row.reason)
        for row in connection.execute(sa.select(progress.c.student_id, progress.c.furthest)):
            rows.setdefault(names[row.student_id], {})[("progress",)] = (row.furthest,)
    engine.dispose()
    return rows


def lost_count(database: str, names: list[str], claims) -> tuple[int, int, int]:
    """(lost, rows expected, rows stored): an expected row missing or holding another value is lost."""
    stored = stored_rows(database)
    lost = expected_total = 0
    for number, name in enumerate(names):
        expected = expected_rows(number, claims)
        expected_total += len(expected)
        mine = stored.get(name, {})
        lost += sum(mine.get(key) != value for key, value in expected.items())
    return lost, expected_total, sum(len(rows) for rows in stored.values())


def figures(label: str, latencies, failures, wall, lost, expected, stored, sent) -> dict:
    print(
        f"{label}: {sent} writes sent, {len(latencies)} answered in {wall:.1f} s "
        f"({len(latencies) / wall:.0f}/s), {failures} failed; store rows {stored} (expected {expected}), "
        f"lost: {lost}",
        flush=True,
    )
    return {
        "writes": sent,
        "answered": len(latencies),
        "failures": failures,
        "lost": lost,
        "rows_expected": expected,
        "rows_stored": stored,
        "wall_seconds": wall,
        "p50": median(latencies),
        "p95": percentile(latencies, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    arguments = parser.parse_args()
    if postgres_binaries() is None:
        sys.exit("PostgreSQL is needed (Debian: apt-get install postgresql; scripts/ensure-postgres.sh does it)")
    if shutil.which("jupyterhub", path=str(VENV_BIN)) is None:
        sys.exit("jupyterhub is needed: .venv/bin/pip install -e '.[test]'")
    if not CHP.exists():
        sys.exit("configurable-http-proxy is needed: source scripts/ensure-npm.sh (./run-tests does it)")
    claims = claims_by_paragraph()
    students = arguments.students
    sent = sum(len(student_writes(number, claims)) for number in range(students))
    results: dict = {}
    server = PostgresServer(durable=True)
    try:
        with tempfile.TemporaryDirectory(prefix="reader-bench-hub-service-") as temporary:
            hub_database = server.new_database()
            hub = LocalHub(Path(temporary), hub_database)
            try:
                names = [f"student{number}" for number in range(students)]
                api(hub.base, "POST", "/users", {"usernames": names})
                tokens = [token_of({"base": hub.base}, name, [ACCESS]) for name in names]
                stores = [
                    RemoteClassStore(
                        f"{hub.base}/services/{SERVICE}", timeout=60, headers={"Authorization": f"token {token}"}
                    )
                    for token in tokens
                ]
                latencies, failures, wall = timed_writes(stores, [HUB_IDENTITY] * students, claims)
            finally:
                hub.stop()
            lost, expected, stored = lost_count(hub_database, names, claims)
            results["hub"] = figures(
                f"{students} students through JupyterHub's proxy, PostgreSQL",
                latencies,
                failures,
                wall,
                lost,
                expected,
                stored,
                sent,
            )

        plain_database = server.new_database()
        secret, student_tokens = new_class(plain_database, students)
        service = ServiceProcess(plain_database, extra=("--quiet",))
        try:
            plain_stores = [RemoteClassStore(service.url, timeout=60) for _ in range(students)]
            baseline, baseline_failures, baseline_wall = timed_writes(plain_stores, student_tokens, claims)
        finally:
            service.stop()
        plain_names = [f"student {number}" for number in range(students)]
        lost, expected, stored = lost_count(plain_database, plain_names, claims)
        results["plain"] = figures(
            f"{students} students straight to the plain class service, PostgreSQL",
            baseline,
            baseline_failures,
            baseline_wall,
            lost,
            expected,
            stored,
            sent,
        )
    finally:
        server.stop()
    hub_results, plain = results["hub"], results["plain"]
    results["p50"] = report(
        f"{students} students through the hub: p50 write", hub_results["p50"], "plain service p50", plain["p50"], None
    )
    results["p95"] = report(
        f"{students} students through the hub: p95 write", hub_results["p95"], "plain service p95", plain["p95"], None
    )
    print(json.dumps({"results": results}, default=str))


if __name__ == "__main__":
    main_guard(main)
