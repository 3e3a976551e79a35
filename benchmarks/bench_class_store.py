"""The class store through its HTTP service: a class writing at once, the service killed mid-session, 300 students on
SQLite and on PostgreSQL, and the teacher's summary; each against a bare baseline measured in the same run.

    .venv/bin/python benchmarks/bench_class_store.py [--students 30] [--many 300]

1. **30 students at once** (one thread each, no pause): every student moves through the 11 paragraphs of the
   bundled edition, saving progress, a note twice (typing, then a correction) and a judgement with a reason for
   each of the paragraph's claims (54 in all): 87 writes a student. Each write is one HTTP request to
   ``python -m reader.classroom.service`` (a separate process, SQLite), timed at the client. Baseline: the same
   number of writes from the same number of threads as plain one-row INSERTs (own transaction each) into a bare
   table of the same kind of database, with the same settings (WAL, busy timeout, ``BEGIN IMMEDIATE``), the SQLite
   writers taking turns as the service's one store thread makes them.
2. **The service killed mid-session**: the same 30 students write through :class:`ClassNotes` (local copy, outbox,
   sender thread); the service process is killed with SIGKILL after a third of the writes and started again after
   two thirds. Afterwards every student's last note, judgement and progress must be in the store: the lost count.
3. **300 students** (60 at a time), on SQLite and on PostgreSQL (Debian's server, started in a temporary folder,
   fsync on): p50/p95 write latency through the service, each against the bare-insert baseline on the same database.
4. **The teacher's summary** with those 300 students (54 claims, 16,200 judgements): ``GET teacher/summary``
   through the service, median of 30, against a bare ``GROUP BY`` of the same rows in the bare table.
"""

import argparse
import contextlib
import csv
import json
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from common import REPOSITORY, main_guard, median, percentile, report

sys.path.insert(0, str(REPOSITORY / "tests"))
from class_servers import PostgresServer, ServiceProcess, postgres_binaries  # noqa: E402
from reader.classroom.client import ClassNotes, RemoteClassStore  # noqa: E402
from reader.classroom.store import ClassStore, make_engine, next_client_sequence  # noqa: E402

EDITION = "khrushchevs-purges"
VERDICTS = ("supported", "doubtful", "wrong", "opinion")


def claims_by_paragraph() -> dict[int, list[str]]:
    with open(REPOSITORY / "data" / EDITION / "claims.csv", encoding="utf-8", newline="") as claims_file:
        rows = list(csv.DictReader(claims_file))
    by_paragraph: dict[int, list[str]] = {}
    for row in rows:
        by_paragraph.setdefault(int(row["paragraph"]), []).append(row["claim_id"])
    return by_paragraph


def student_writes(number: int, claims: dict[int, list[str]]) -> list[tuple]:
    """One student's session: per paragraph, progress, a note typed then corrected, a judgement of each claim."""
    rng = random.Random(number)
    writes: list[tuple] = []
    for paragraph in range(1, 12):
        writes.append(("progress", paragraph))
        writes.append(("note", paragraph, f"Student {number} on ¶{paragraph}: who decided this, and when?"))
        writes.append(("note", paragraph, f"Student {number} on ¶{paragraph}: who decided this, and when? " * 3))
        for claim_id in claims.get(paragraph, []):
            writes.append(("judgement", claim_id, rng.choice(VERDICTS), f"Student {number}'s reason for {claim_id}"))
    return writes


def send(remote: RemoteClassStore, token: str, write: tuple) -> None:
    if write[0] == "progress":
        remote.save_progress(token, write[1])
    elif write[0] == "note":
        remote.save_note(token, write[1], write[2], next_client_sequence())
    else:
        remote.save_judgement(token, write[1], write[2], write[3], next_client_sequence())


def through_service(url: str, tokens: list[str], claims, workers: int) -> tuple[list[float], int, float]:
    """Every student's writes through the service; latencies (s), failures, wall time."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def one_student(number: int) -> None:
        remote = RemoteClassStore(url, timeout=60)
        own = []
        for write in student_writes(number, claims):
            started = time.perf_counter()
            try:
                send(remote, tokens[number], write)
            except Exception as error:  # counted and shown, never hidden
                with lock:
                    failures[0] += 1
                print(f"write failed: {error}", file=sys.stderr)
                continue
            own.append(time.perf_counter() - started)
        with lock:
            latencies.extend(own)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one_student, range(len(tokens))))
    return latencies, failures[0], time.perf_counter() - started


BARE = sa.Table(
    "bare",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("student", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)


def bare_inserts(url: str, students: int, claims, workers: int) -> tuple[list[float], float, sa.Engine]:
    """The same writes as one-row INSERTs into a bare table, from the same number of threads.

    On SQLite the writers take turns through one lock in Python (the wait is part of each write's time), as the
    service's single store thread does: left to SQLite's busy handler, which sleeps between tries, 60 writers at once
    on a loaded machine starve one another past the 10 s busy timeout ("database is locked", seen here).
    """
    engine = make_engine(url)
    BARE.metadata.create_all(engine)
    latencies: list[float] = []
    lock = threading.Lock()
    turn = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    def one_student(number: int) -> None:
        own = []
        with engine.connect() as connection:
            for write in student_writes(number, claims):
                key = str(write[1])
                text = write[2] if write[0] != "progress" else ""
                started = time.perf_counter()
                with turn, connection.begin():
                    connection.execute(BARE.insert().values(student=number, kind=write[0], key=key, text=text))
                own.append(time.perf_counter() - started)
        with lock:
            latencies.extend(own)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one_student, range(students)))
    return latencies, time.perf_counter() - started, engine


def new_class(url: str, students: int) -> tuple[str, list[str]]:
    with ClassStore(url) as store:
        klass = store.create_class(EDITION, "Benchmark class")
        return klass.teacher_secret, [store.join(klass.code, f"student {number}").token for number in range(students)]


def write_figures(label: str, latencies, baseline, wall, baseline_wall, failures) -> dict:
    print(
        f"{label}: {len(latencies)} writes in {wall:.1f} s ({len(latencies) / wall:.0f}/s), {failures} failed; "
        f"bare inserts {len(baseline)} in {baseline_wall:.1f} s",
        flush=True,
    )
    return {
        "p50": report(f"{label}: p50 write", median(latencies), "bare insert p50", median(baseline), None),
        "p95": report(
            f"{label}: p95 write", percentile(latencies, 0.95), "bare insert p95", percentile(baseline, 0.95), None
        ),
        "writes": len(latencies),
        "failures": failures,
        "wall_seconds": wall,
    }


def class_at_once(folder: Path, students: int, claims) -> dict:
    database = f"sqlite:///{folder / 'class-30.db'}"
    secret, tokens = new_class(database, students)
    service = ServiceProcess(database, extra=("--quiet",))
    try:
        latencies, failures, wall = through_service(service.url, tokens, claims, students)
    finally:
        service.stop()
    baseline, baseline_wall, engine = bare_inserts(f"sqlite:///{folder / 'bare-30.db'}", students, claims, students)
    engine.dispose()
    return write_figures(f"{students} students at once, SQLite", latencies, baseline, wall, baseline_wall, failures)


def killed_mid_session(folder: Path, students: int, claims) -> dict:
    database = f"sqlite:///{folder / 'class-restart.db'}"
    secret, tokens = new_class(database, students)
    service = ServiceProcess(database, extra=("--quiet",))
    sessions = [student_writes(number, claims) for number in range(students)]
    total = sum(len(writes) for writes in sessions)
    done = [0]
    lock = threading.Lock()
    events: dict[str, float] = {}
    notes = [
        ClassNotes(RemoteClassStore(service.url, timeout=5), token, EDITION, folder=folder / f"kernel-{number}")
        for number, token in enumerate(tokens)
    ]

    def one_student(number: int) -> None:
        for write in sessions[number]:
            if write[0] == "progress":
                notes[number].set_progress(write[1])
            elif write[0] == "note":
                notes[number].set_note(write[1], write[2])
            else:
                notes[number].set_judgement(write[1], write[2], write[3])
            with lock:
                done[0] += 1
                if done[0] == total // 3:
                    service.kill()
                    events["killed"] = time.perf_counter()
                elif done[0] == 2 * total // 3:
                    service.start()
                    events["restarted"] = time.perf_counter()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=students) as pool:
        list(pool.map(one_student, range(students)))
    writes_done = time.perf_counter()
    delivered = all(student.flush(600) for student in notes)
    drained = time.perf_counter()
    rejected = sum(student.status.rejected for student in notes)
    for student in notes:
        student.close()
    service.stop()
    lost = 0
    with ClassStore(database) as store:
        for number, token in enumerate(tokens):
            state = store.student_state(token)
            expected_notes: dict[int, str] = {}
            expected_judgements: dict[str, tuple[str, str]] = {}
            for write in sessions[number]:
                if write[0] == "note":
                    expected_notes[write[1]] = write[2]
                elif write[0] == "judgement":
                    expected_judgements[write[1]] = (write[2], write[3])
            lost += sum(state.notes.get(paragraph) != text for paragraph, text in expected_notes.items())
            lost += sum(
                (state.judgements[claim].verdict, state.judgements[claim].reason) != value
                if claim in state.judgements
                else 1
                for claim, value in expected_judgements.items()
            )
            lost += state.paragraph != 11
    down = events.get("restarted", 0) - events.get("killed", 0)
    print(
        f"service killed mid-session: {total} writes by {students} students, the service down {down:.1f} s; "
        f"all delivered: {delivered}; lost: {lost}; refused: {rejected}; writing took {writes_done - started:.1f} s, "
        f"the outboxes drained {drained - writes_done:.1f} s after the last write",
        flush=True,
    )
    return {"writes": total, "lost": lost, "delivered": delivered, "down_seconds": down, "rejected": rejected}


def many_students(name: str, database: str, bare_database: str, students: int, claims, workers: int) -> dict:
    secret, tokens = new_class(database, students)
    service = ServiceProcess(database, extra=("--quiet",))
    try:
        latencies, failures, wall = through_service(service.url, tokens, claims, workers)
        remote = RemoteClassStore(service.url)
        claim_ids = [claim for paragraph in sorted(claims) for claim in claims[paragraph]]
        remote.summary(secret, claim_ids)  # warm
        summary_times = []
        for _ in range(30):
            started = time.perf_counter()
            summary = remote.summary(secret, claim_ids)
            summary_times.append(time.perf_counter() - started)
        assert summary.students == students and sum(claim.judged for claim in summary.claims.values()) == (
            students * len(claim_ids)
        )
    finally:
        service.stop()
    baseline, baseline_wall, engine = bare_inserts(bare_database, students, claims, workers)
    group_by = sa.select(BARE.c.key, BARE.c.text, sa.func.count()).where(BARE.c.kind == "judgement")
    group_by = group_by.group_by(BARE.c.key, BARE.c.text)
    group_times = []
    with engine.connect() as connection:
        connection.execute(group_by).all()
        for _ in range(30):
            started = time.perf_counter()
            connection.execute(group_by).all()
            group_times.append(time.perf_counter() - started)
    engine.dispose()
    figures = write_figures(f"{students} students, {name}", latencies, baseline, wall, baseline_wall, failures)
    figures["summary"] = report(
        f"{students} students, {name}: teacher summary through the service (median of 30)",
        median(summary_times),
        "bare GROUP BY (median of 30)",
        median(group_times),
        None,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--many", type=int, default=300)
    parser.add_argument("--workers", type=int, default=60, help="students writing at the same time in the big run")
    arguments = parser.parse_args()
    if postgres_binaries() is None:
        sys.exit("PostgreSQL is needed (Debian: apt-get install postgresql; scripts/ensure-postgres.sh does it)")
    claims = claims_by_paragraph()
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="reader-bench-class-") as temporary:
        folder = Path(temporary)
        results["at_once"] = class_at_once(folder, arguments.students, claims)
        results["killed"] = killed_mid_session(folder, arguments.students, claims)
        results["sqlite"] = many_students(
            "SQLite",
            f"sqlite:///{folder / 'class-many.db'}",
            f"sqlite:///{folder / 'bare-many.db'}",
            arguments.many,
            claims,
            arguments.workers,
        )
        server = PostgresServer(durable=True)
        try:
            results["postgresql"] = many_students(
                "PostgreSQL",
                server.new_database(),
                server.new_database(),
                arguments.many,
                claims,
                arguments.workers,
            )
        finally:
            server.stop()
    sqlite_p95, postgres_p95 = results["sqlite"]["p95"]["value"], results["postgresql"]["p95"]["value"]
    report(f"{arguments.many} students: p95 write, PostgreSQL", postgres_p95, "SQLite", sqlite_p95, None)
    print(json.dumps({"results": results}, default=str))


if __name__ == "__main__":
    main_guard(main)
