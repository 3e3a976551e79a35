"""The class store: classes, students, their notes, judgements and progress, in one database.

One small interface over SQLAlchemy Core, the same code for both databases:

- SQLite by default (a file path, or a ``sqlite:///`` URL): WAL journal, a busy timeout, and every writing
  transaction taken with ``BEGIN IMMEDIATE`` so two writers queue instead of failing;
- PostgreSQL when a ``postgresql+psycopg://`` URL is given (psycopg 3, the ``class`` extra).

Who may do what is decided here, not by the caller:

- a **class** is made with :meth:`ClassStore.create_class`, which returns its code (8 letters and digits from an
  alphabet of 31 that cannot be misread: 31⁸ ≈ 8.5×10¹¹ codes) and the **teacher secret**;
- a **student** joins with the class code and a name or pseudonym (:meth:`ClassStore.join`) and receives a
  **token**; a second join with the same name is another student, unless the same token is presented; on
  JupyterHub :meth:`ClassStore.hub_student` gives the hub user's student instead;
- every student call takes the token and reaches only that student's own notes and judgements; the class's
  distribution of a claim only once the teacher has revealed it AND the student has judged it themselves;
- every teacher call takes the teacher secret.

Tokens and secrets are random 192-bit values (``secrets.token_urlsafe(24)``) stored only as SHA-256 hashes: a copy of
the database does not give them away. Writes carry the client's sequence number (:func:`next_client_sequence` makes
one: microseconds since 1970, strictly increasing per client), and a write is applied only when its number is
higher than the stored one, so a replayed or delayed write changes nothing.

The schema is versioned (table ``meta``, key ``schema_version``); :meth:`ClassStore.migrate` creates or upgrades
it, one step per version (1 → 2 added JupyterHub identities, several tokens per student and "reveal all").

Bad input raises :class:`InvalidInput` (a ``ValueError``), a refusal :class:`NotAllowed` (a ``PermissionError``),
an unknown class code :class:`UnknownClass`, an unreachable database :class:`StoreUnavailable`: each with a one-line
message for a person, never a database error.
"""

import contextlib
import csv
import hashlib
import io
import json
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine

from reader.student_notes import JUDGEMENTS, shape_problem

SCHEMA_VERSION = 2
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 signs: no I, L, O, 0, 1
CODE_LENGTH = 8
SECRET_BYTES = 24  # 192 bits
MAX_NAME = 80
MAX_NOTE = 20_000
MAX_REASON = 5_000
MAX_CLAIM_ID = 64
MAX_PARAGRAPH = 100_000
SQLITE_BUSY_TIMEOUT_MS = 10_000
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CLAIM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")


# --- errors ----------------------------------------------------------------------------------------------------


class ClassStoreError(Exception):
    """A failure of the class store, with a one-line message for a person."""

    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(ClassStoreError, ValueError):
    """What was sent is not what the store accepts (the message names the field and what was expected)."""

    status = 400


class NotAllowed(ClassStoreError, PermissionError):
    """An unknown or wrong token or secret, or something the caller may not see (yet)."""

    status = 403


class NotYetVisible(NotAllowed):
    """The class's distribution of a claim: not revealed yet, or the student has not judged it."""


class UnknownClass(ClassStoreError, LookupError):
    """No class has this code (or it was deleted)."""

    status = 404


class StoreUnavailable(ClassStoreError, ConnectionError):
    """The database cannot be reached or is of a newer schema than this reader knows."""

    status = 503


# --- what the store returns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInfo:
    """A new class: give ``code`` to the students, keep ``teacher_secret`` (it is shown only this once)."""

    class_id: int
    code: str
    teacher_secret: str


@dataclass(frozen=True)
class ClassRecord:
    """A class as the teacher sees it (no secret)."""

    class_id: int
    code: str
    edition: str
    title: str
    created: str


@dataclass(frozen=True)
class StudentSession:
    """A student's identity for the session: keep ``token`` (it is shown only this once)."""

    student_id: int
    class_id: int
    name: str
    token: str


@dataclass(frozen=True)
class StudentInfo:
    student_id: int
    class_id: int
    name: str
    edition: str
    title: str


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str
    updated: str


@dataclass(frozen=True)
class StudentState:
    """A student's own work: notes by paragraph number, judgements by claim id, where they are in the text."""

    student: StudentInfo
    notes: dict[int, str]
    judgements: dict[str, Judgement]
    paragraph: int | None
    furthest: int | None
    revealed: frozenset[str]  # claims whose class distribution this student may see now


@dataclass(frozen=True)
class ClaimSummary:
    """The class's judgements of one claim: how many chose each verdict (every verdict present, 0 included)."""

    claim_id: str
    counts: dict[str, int]
    judged: int
    revealed: bool


@dataclass(frozen=True)
class ClassSummary:
    record: ClassRecord
    students: int
    claims: dict[str, ClaimSummary]


@dataclass(frozen=True)
class Reason:
    verdict: str
    reason: str
    updated: str
    name: str | None  # None unless names were asked for


@dataclass(frozen=True)
class StudentProgress:
    student_id: int
    name: str
    paragraph: int | None
    furthest: int | None
    notes: int
    judgements: int
    updated: str | None


@dataclass(frozen=True)
class Distribution:
    """What a student sees of the class once a claim is revealed and they have judged it."""

    claim_id: str
    counts: dict[str, int]
    judged: int
    own_verdict: str


@dataclass(frozen=True)
class ImportResult:
    notes: int
    judgements: int
    skipped: int = 0  # entries older than what the store holds
    problems: list[str] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------------------------


def new_secret() -> str:
    """A random 192-bit token, URL-safe (32 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_class_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """A code as typed ("abcd-efgh", " ABCD EFGH ") in the stored form; common misreadings (O→0 …) are refused."""
    return re.sub(r"[\s-]", "", code).upper()


def format_code(code: str) -> str:
    """``ABCDEFGH`` shown as ``ABCD-EFGH``, easier to copy from a projected screen."""
    return f"{code[:4]}-{code[4:]}"


_last_sequence = 0
_sequence_lock = threading.Lock()


def next_client_sequence() -> int:
    """A client sequence number: microseconds since 1970, strictly increasing in this process.

    Time-based, so a restarted kernel (or a second tab) continues above the numbers it sent before.
    """
    global _last_sequence
    with _sequence_lock:
        _last_sequence = max(_last_sequence + 1, time.time_ns() // 1000)
        return _last_sequence


def sequence_of_time(iso_time: str) -> int:
    """The client sequence number of a moment (for entries imported from a notes file)."""
    return int(datetime.fromisoformat(iso_time).timestamp() * 1_000_000)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _text(value, name: str, limit: int, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: expected text, found {type(value).__name__}")
    if "\x00" in value:
        raise InvalidInput(f"{name}: contains a NUL character")
    if len(value) > limit:
        raise InvalidInput(f"{name}: {len(value)} characters; at most {limit} are kept")
    if not allow_empty and not value.strip():
        raise InvalidInput(f"{name}: expected some text, found none")
    return value


def _paragraph(value) -> int:
    if type(value) is not int or not 1 <= value <= MAX_PARAGRAPH:
        raise InvalidInput(f"paragraph: expected a paragraph number (1 or more), found {value!r}")
    return value


def _claim_id(value) -> str:
    if not isinstance(value, str) or len(value) > MAX_CLAIM_ID or not _CLAIM_ID.fullmatch(value):
        raise InvalidInput(f"claim_id: expected a claim id (letters, digits, '_.:-'), found {str(value)[:80]!r}")
    return value


def _sequence(value) -> int:
    if type(value) is not int or not 0 < value < 2**62:
        raise InvalidInput(f"client_seq: expected a positive whole number, found {value!r}")
    return value


def _verdict(value) -> str:
    if value not in JUDGEMENTS:
        raise InvalidInput(f"verdict: expected one of {', '.join(JUDGEMENTS)}, found {str(value)[:40]!r}")
    return value


def _secret(value, name: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        raise NotAllowed(f"{name}: missing or not a {name}")
    return value


def spreadsheet_safe(value) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ tab or CR would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


# --- the schema ------------------------------------------------------------------------------------------------


def _tables(version: int) -> tuple[sa.MetaData, dict[str, sa.Table]]:
    """The tables of a schema version (1 is kept to create old databases in the migration tests)."""
    metadata = sa.MetaData()
    tables = {
        "meta": sa.Table(
            "meta",
            metadata,
            sa.Column("key", sa.String(64), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        ),
        "classes": sa.Table(
            "classes",
            metadata,
            sa.Column("class_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("code", sa.String(16), nullable=False, unique=True),
            sa.Column("teacher_secret_hash", sa.String(64), nullable=False, unique=True),
            sa.Column("edition", sa.Text, nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("created", sa.String(40), nullable=False),
            *([sa.Column("reveal_all", sa.Boolean, nullable=False, server_default=sa.false())] if version >= 2 else []),
        ),
        "students": sa.Table(
            "students",
            metadata,
            sa.Column("student_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.class_id", ondelete="CASCADE"), nullable=False),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("created", sa.String(40), nullable=False),
            *(
                [sa.Column("hub_user", sa.Text, nullable=True), sa.UniqueConstraint("class_id", "hub_user")]
                if version >= 2
                else [sa.Column("token_hash", sa.String(64), nullable=False, unique=True)]
            ),
            sa.Index("ix_students_class", "class_id"),
        ),
        "notes": sa.Table(
            "notes",
            metadata,
            sa.Column("student_id", sa.Integer, sa.ForeignKey("students.student_id", ondelete="CASCADE")),
            sa.Column("paragraph", sa.Integer),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("client_seq", sa.BigInteger, nullable=False),
            sa.Column("updated", sa.String(40), nullable=False),
            sa.PrimaryKeyConstraint("student_id", "paragraph"),
        ),
        "judgements": sa.Table(
            "judgements",
            metadata,
            sa.Column("student_id", sa.Integer, sa.ForeignKey("students.student_id", ondelete="CASCADE")),
            sa.Column("claim_id", sa.String(MAX_CLAIM_ID)),
            sa.Column("verdict", sa.String(16), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("client_seq", sa.BigInteger, nullable=False),
            sa.Column("updated", sa.String(40), nullable=False),
            sa.PrimaryKeyConstraint("student_id", "claim_id"),
        ),
        "progress": sa.Table(
            "progress",
            metadata,
            sa.Column(
                "student_id", sa.Integer, sa.ForeignKey("students.student_id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column("paragraph", sa.Integer, nullable=False),
            sa.Column("furthest", sa.Integer, nullable=False),
            sa.Column("updated", sa.String(40), nullable=False),
        ),
        "reveals": sa.Table(
            "reveals",
            metadata,
            sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.class_id", ondelete="CASCADE")),
            sa.Column("claim_id", sa.String(MAX_CLAIM_ID)),
            sa.Column("revealed", sa.Boolean, nullable=False),
            sa.PrimaryKeyConstraint("class_id", "claim_id"),
        ),
    }
    if version >= 2:
        tables["tokens"] = sa.Table(
            "tokens",
            metadata,
            sa.Column("token_hash", sa.String(64), primary_key=True),
            sa.Column("student_id", sa.Integer, sa.ForeignKey("students.student_id", ondelete="CASCADE")),
            sa.Column("created", sa.String(40), nullable=False),
            sa.Index("ix_tokens_student", "student_id"),
        )
    return metadata, tables


def create_schema(engine: Engine, version: int = SCHEMA_VERSION) -> None:
    """Create the tables of ``version`` in an empty database (the store itself only ever creates the newest)."""
    metadata, tables = _tables(version)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(tables["meta"].insert().values(key="schema_version", value=str(version)))


def _migrate_1_to_2(connection: Connection) -> None:
    """Version 2: JupyterHub identities, several tokens per student (one per device or login), "reveal all"."""
    _, new = _tables(2)
    new["tokens"].create(connection)
    connection.execute(
        sa.text(
            "INSERT INTO tokens (token_hash, student_id, created) SELECT token_hash, student_id, created FROM students"
        )
    )
    connection.execute(sa.text("ALTER TABLE classes ADD COLUMN reveal_all BOOLEAN NOT NULL DEFAULT FALSE"))
    if connection.dialect.name == "sqlite":
        # SQLite cannot drop a UNIQUE column: make the new table, copy, drop the old, rename (SQLite's own recipe,
        # with foreign keys off, so that the other tables' references to `students` are left as they are).
        metadata = sa.MetaData()
        students_v2 = new["students"].to_metadata(metadata, name="students_v2")
        for index in list(students_v2.indexes):
            students_v2.indexes.discard(index)
        sa.Table("classes", metadata, sa.Column("class_id", sa.Integer, primary_key=True))
        students_v2.create(connection)
        connection.execute(
            sa.text(
                "INSERT INTO students_v2 (student_id, class_id, name, created, hub_user) "
                "SELECT student_id, class_id, name, created, NULL FROM students"
            )
        )
        connection.execute(sa.text("DROP TABLE students"))
        connection.execute(sa.text("ALTER TABLE students_v2 RENAME TO students"))
        connection.execute(sa.text("CREATE INDEX ix_students_class ON students (class_id)"))
    else:
        connection.execute(sa.text("ALTER TABLE students DROP COLUMN token_hash"))
        connection.execute(sa.text("ALTER TABLE students ADD COLUMN hub_user TEXT"))
        connection.execute(
            sa.text("ALTER TABLE students ADD CONSTRAINT students_class_id_hub_user_key UNIQUE (class_id, hub_user)")
        )


MIGRATIONS = {1: _migrate_1_to_2}


def database_url(url_or_path: str | Path) -> str:
    """A SQLAlchemy URL: a URL as given, a plain path as a SQLite file."""
    text = str(url_or_path)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def make_engine(url_or_path: str | Path) -> Engine:
    """An engine for the store: SQLite with WAL, a busy timeout, ``BEGIN IMMEDIATE``; PostgreSQL as it is."""
    url = sa.make_url(database_url(url_or_path))
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnavailable(
                    f"the class store cannot be made at {database}: {error.strerror or error}"
                ) from error
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_settings(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # SQLAlchemy's own BEGIN below, not pysqlite's
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable across a crash of the process; WAL keeps it whole
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection):
            """Writers take the write lock at the start (no deadlock between two upgrading readers); reads do not."""
            reading = connection.get_execution_options().get("class_store_read", False)
            connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


# --- the store -------------------------------------------------------------------------------------------------


class ClassStore:
    """Classes, students and what they wrote; ``url`` is a file path (SQLite) or a SQLAlchemy database URL.

    ``migrate`` (default True) creates the schema in an empty database and upgrades an older one.
    """

    def __init__(self, url: str | Path, *, migrate: bool = True):
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        _, self.tables = _tables(SCHEMA_VERSION)
        self._statements = self._prepare_statements()
        self._writer_turn = threading.Lock() if self.dialect == "sqlite" else contextlib.nullcontext()
        if migrate:
            self.migrate()
        elif (version := self.schema_version()) != SCHEMA_VERSION:
            self.close()
            raise StoreUnavailable(
                f"{self!r}: the database has schema version {version}, this reader needs {SCHEMA_VERSION}: "
                "open it with migrate=True to upgrade it"
            )

    def __repr__(self) -> str:
        return f"ClassStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "ClassStore":
        return self

    def __exit__(self, *_exception) -> None:
        self.close()

    # --- schema ----------------------------------------------------------------------------------------------

    def schema_version(self) -> int | None:
        """The database's schema version, or None for an empty database."""
        with self._connection() as connection:
            if not sa.inspect(connection).has_table("meta"):
                return None
            value = connection.execute(sa.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
            return int(value) if value is not None else None

    def migrate(self) -> int:
        """Create the schema, or upgrade it one version at a time to :data:`SCHEMA_VERSION`; return the version."""
        version = self.schema_version()
        if version is None:
            create_schema(self.engine)
            return SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"{self!r}: the database has schema version {version}; this reader knows up to {SCHEMA_VERSION}"
            )
        while version < SCHEMA_VERSION:
            with self._transaction(migrating=True) as connection:
                MIGRATIONS[version](connection)
                version += 1
                connection.execute(
                    sa.text("UPDATE meta SET value = :value WHERE key = 'schema_version'"), {"value": str(version)}
                )
        return version

    # --- connections -----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A connection for reading (on SQLite, a plain deferred transaction: readers never wait for a writer)."""
        try:
            with self.engine.connect() as connection:
                yield connection.execution_options(class_store_read=True)
        except sa.exc.OperationalError as error:
            raise StoreUnavailable(f"the class store {self!r} is not available: {_first_line(error)}") from error

    @contextlib.contextmanager
    def _transaction(self, migrating: bool = False) -> Iterator[Connection]:
        """A writing transaction. On SQLite this process's writers take turns through a lock first: SQLite's own
        busy handler sleeps between tries, and many threads left to it wait far longer than their turn."""
        with self._writer_turn, self._writing(migrating) as connection:
            yield connection

    @contextlib.contextmanager
    def _writing(self, migrating: bool) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                if migrating and self.dialect == "sqlite":
                    _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
                try:
                    with connection.begin():
                        yield connection
                finally:
                    if migrating and self.dialect == "sqlite":
                        _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
        except sa.exc.OperationalError as error:
            raise StoreUnavailable(f"the class store {self!r} is not available: {_first_line(error)}") from error

    def _insert(self, table: sa.Table):
        """The dialect's INSERT, which has ``on_conflict_do_update`` with the same API for SQLite and PostgreSQL."""
        return (postgresql_dialect if self.dialect == "postgresql" else sqlite_dialect).insert(table)

    # --- identities ------------------------------------------------------------------------------------------

    def create_class(self, edition: str, title: str) -> ClassInfo:
        """A new class for ``edition`` (its folder name), called ``title`` on the teacher's screen."""
        edition = _text(edition, "edition", 200, allow_empty=False)
        title = _text(title, "title", 200, allow_empty=False)
        classes = self.tables["classes"]
        for _attempt in range(20):
            code, secret = new_class_code(), new_secret()
            with self._transaction() as connection:
                if connection.execute(sa.select(classes.c.class_id).where(classes.c.code == code)).first():
                    continue
                class_id = connection.execute(
                    classes.insert()
                    .values(code=code, teacher_secret_hash=hash_secret(secret), edition=edition, title=title)
                    .values(created=_now(), reveal_all=False)
                    .returning(classes.c.class_id)
                ).scalar_one()
            return ClassInfo(class_id=class_id, code=code, teacher_secret=secret)
        raise StoreUnavailable("could not find an unused class code in 20 tries")  # 31⁸ codes: never in practice

    def teacher_class(self, teacher_secret: str) -> ClassRecord:
        """The class this teacher secret opens (raises :class:`NotAllowed` for any other secret)."""
        with self._connection() as connection:
            return self._class_of_secret(connection, teacher_secret)

    def join(self, code: str, name: str, token: str | None = None) -> StudentSession:
        """Join the class of ``code`` as ``name``; with the ``token`` of a student of that class, be them again.

        Names are not identities: two students may give the same name and stay two students.
        """
        name = _text(name, "name", MAX_NAME, allow_empty=False).strip()
        if not isinstance(code, str) or len(code) > 40:
            raise UnknownClass("class code: expected 8 letters and digits")
        classes, students, tokens = self.tables["classes"], self.tables["students"], self.tables["tokens"]
        with self._transaction() as connection:
            class_id = connection.execute(
                sa.select(classes.c.class_id).where(classes.c.code == normalise_code(code))
            ).scalar()
            if class_id is None:
                raise UnknownClass("no class has this code; check it on the teacher's screen")
            if token is not None:
                known = self._student_row(connection, token, required=False)
                if known is not None and known.class_id == class_id:
                    if known.name != name:
                        connection.execute(
                            students.update().where(students.c.student_id == known.student_id).values(name=name)
                        )
                    return StudentSession(known.student_id, class_id, name, token)
            student_id = connection.execute(
                students.insert().values(class_id=class_id, name=name, created=_now()).returning(students.c.student_id)
            ).scalar_one()
            new_token = new_secret()
            connection.execute(
                tokens.insert().values(token_hash=hash_secret(new_token), student_id=student_id, created=_now())
            )
        return StudentSession(student_id, class_id, name, new_token)

    def hub_student(self, class_id: int, hub_user: str) -> StudentSession:
        """The student of JupyterHub user ``hub_user`` in a class (made on first use), with a new token.

        Call it once per login and keep the token (each call issues another; all stay valid). The caller (the
        hub service) has authenticated ``hub_user`` through the hub: the name is the identity here.
        """
        hub_user = _text(hub_user, "hub_user", 200, allow_empty=False)
        if type(class_id) is not int:
            raise InvalidInput(f"class_id: expected a number, found {class_id!r}")
        classes, students, tokens = self.tables["classes"], self.tables["students"], self.tables["tokens"]
        with self._transaction() as connection:
            if connection.execute(sa.select(classes.c.class_id).where(classes.c.class_id == class_id)).first() is None:
                raise UnknownClass(f"no class {class_id}")
            found = connection.execute(
                sa.select(students.c.student_id).where(students.c.class_id == class_id, students.c.hub_user == hub_user)
            ).scalar()
            if found is None:
                found = connection.execute(
                    students.insert()
                    .values(class_id=class_id, name=hub_user[:MAX_NAME], hub_user=hub_user, created=_now())
                    .returning(students.c.student_id)
                ).scalar_one()
            token = new_secret()
            connection.execute(tokens.insert().values(token_hash=hash_secret(token), student_id=found, created=_now()))
        return StudentSession(found, class_id, hub_user[:MAX_NAME], token)

    def student(self, token: str) -> StudentInfo:
        """Who this token is (raises :class:`NotAllowed` for a token the store does not know)."""
        with self._connection() as connection:
            row = self._student_row(connection, token)
            return StudentInfo(row.student_id, row.class_id, row.name, row.edition, row.title)

    def _student_row(self, connection: Connection, token: str, required: bool = True):
        token = _secret(token, "student token")
        row = connection.execute(self._statements["student_by_token"], {"token_hash": hash_secret(token)}).first()
        if row is None and required:
            raise NotAllowed("this student link or token is not known to the class (was the class cleared?)")
        return row

    def _class_of_secret(self, connection: Connection, teacher_secret: str) -> ClassRecord:
        classes = self.tables["classes"]
        secret = _secret(teacher_secret, "teacher secret")
        row = connection.execute(
            sa.select(classes.c.class_id, classes.c.code, classes.c.edition, classes.c.title, classes.c.created).where(
                classes.c.teacher_secret_hash == hash_secret(secret)
            )
        ).first()
        if row is None:
            raise NotAllowed("this teacher secret does not open any class")
        return ClassRecord(row.class_id, row.code, row.edition, row.title, row.created)

    # --- a student's writes ----------------------------------------------------------------------------------

    def save_note(self, token: str, paragraph: int, text: str, client_seq: int) -> bool:
        """Store the student's note on a paragraph; False when it was a replay or older than the stored one."""
        with self._transaction() as connection:
            student_id = self._student_row(connection, token).student_id  # who asks, before what they sent
            paragraph, text = _paragraph(paragraph), _text(text, "note", MAX_NOTE)
            client_seq = _sequence(client_seq)
            values = {"paragraph": paragraph, "text": text, "client_seq": client_seq, "updated": _now()}
            applied = connection.execute(self._statements["save_note"], {"student_id": student_id, **values})
            return applied.first() is not None

    def save_judgement(self, token: str, claim_id: str, verdict: str, reason: str, client_seq: int) -> bool:
        """Store the student's judgement of a claim; False when it was a replay or older than the stored one."""
        with self._transaction() as connection:
            student_id = self._student_row(connection, token).student_id
            claim_id, verdict = _claim_id(claim_id), _verdict(verdict)
            reason, client_seq = _text(reason, "reason", MAX_REASON), _sequence(client_seq)
            values = {"claim_id": claim_id, "verdict": verdict, "reason": reason, "client_seq": client_seq}
            applied = connection.execute(
                self._statements["save_judgement"], {"student_id": student_id, "updated": _now(), **values}
            )
            return applied.first() is not None

    def save_progress(self, token: str, paragraph: int) -> None:
        """The paragraph the student is on now; the furthest one reached is kept beside it."""
        with self._transaction() as connection:
            student_id = self._student_row(connection, token).student_id
            paragraph = _paragraph(paragraph)
            values = {"student_id": student_id, "paragraph": paragraph, "furthest": paragraph, "updated": _now()}
            connection.execute(self._statements["save_progress"], values)

    def _prepare_statements(self) -> dict:
        """The statements of every student request, built once (building them costs more than running them)."""
        tables = self.tables
        students, classes, tokens = tables["students"], tables["classes"], tables["tokens"]
        notes, judgements, progress = tables["notes"], tables["judgements"], tables["progress"]
        student_by_token = (
            sa.select(
                students.c.student_id,
                students.c.class_id,
                students.c.name,
                classes.c.edition,
                classes.c.title,
                classes.c.reveal_all,
            )
            .select_from(tokens.join(students).join(classes))
            .where(tokens.c.token_hash == sa.bindparam("token_hash"))
        )
        note = self._insert(notes)
        note = note.on_conflict_do_update(
            index_elements=[notes.c.student_id, notes.c.paragraph],
            set_={"text": note.excluded.text, "client_seq": note.excluded.client_seq, "updated": note.excluded.updated},
            where=notes.c.client_seq < note.excluded.client_seq,
        ).returning(notes.c.client_seq)
        judgement = self._insert(judgements)
        judgement = judgement.on_conflict_do_update(
            index_elements=[judgements.c.student_id, judgements.c.claim_id],
            set_={
                "verdict": judgement.excluded.verdict,
                "reason": judgement.excluded.reason,
                "client_seq": judgement.excluded.client_seq,
                "updated": judgement.excluded.updated,
            },
            where=judgements.c.client_seq < judgement.excluded.client_seq,
        ).returning(judgements.c.client_seq)
        place = self._insert(progress)
        place = place.on_conflict_do_update(
            index_elements=[progress.c.student_id],
            set_={
                "paragraph": place.excluded.paragraph,
                "furthest": sa.case(
                    (progress.c.furthest < place.excluded.furthest, place.excluded.furthest),
                    else_=progress.c.furthest,
                ),
                "updated": place.excluded.updated,
            },
        )
        return {
            "student_by_token": student_by_token,
            "save_note": note,
            "save_judgement": judgement,
            "save_progress": place,
        }

    # --- a student's reads -----------------------------------------------------------------------------------

    def student_state(self, token: str) -> StudentState:
        """The student's own notes, judgements and place in the text; nobody else's."""
        notes, judgements, progress = self.tables["notes"], self.tables["judgements"], self.tables["progress"]
        with self._connection() as connection:
            row = self._student_row(connection, token)
            student_id = row.student_id
            note_rows = connection.execute(
                sa.select(notes.c.paragraph, notes.c.text).where(notes.c.student_id == student_id)
            )
            judgement_rows = connection.execute(
                sa.select(judgements.c.claim_id, judgements.c.verdict, judgements.c.reason, judgements.c.updated).where(
                    judgements.c.student_id == student_id
                )
            ).all()
            place = connection.execute(
                sa.select(progress.c.paragraph, progress.c.furthest).where(progress.c.student_id == student_id)
            ).first()
            revealed = self._revealed(connection, row.class_id, row.reveal_all)
            judged = {claim.claim_id: Judgement(claim.verdict, claim.reason, claim.updated) for claim in judgement_rows}
            return StudentState(
                student=StudentInfo(student_id, row.class_id, row.name, row.edition, row.title),
                notes={note.paragraph: note.text for note in note_rows},
                judgements=judged,
                paragraph=place.paragraph if place else None,
                furthest=place.furthest if place else None,
                revealed=frozenset(claim for claim in judged if revealed(claim)),
            )

    def distribution(self, token: str, claim_id: str) -> Distribution:
        """The class's verdicts on a claim, for a student who has judged it, once the teacher has revealed it."""
        judgements = self.tables["judgements"]
        with self._connection() as connection:
            row = self._student_row(connection, token)
            claim_id = _claim_id(claim_id)
            own = connection.execute(
                sa.select(judgements.c.verdict).where(
                    judgements.c.student_id == row.student_id, judgements.c.claim_id == claim_id
                )
            ).scalar()
            if own is None:
                raise NotYetVisible("judge this claim yourself first; then you can see how the class judged it")
            if not self._revealed(connection, row.class_id, row.reveal_all)(claim_id):
                raise NotYetVisible("the teacher has not revealed the class's judgements of this claim yet")
            counts = self._counts(connection, row.class_id, [claim_id])[claim_id]
            return Distribution(claim_id, counts, sum(counts.values()), own)

    # --- the teacher -----------------------------------------------------------------------------------------

    def summary(self, teacher_secret: str, claim_ids: Iterable[str] = ()) -> ClassSummary:
        """Per claim, how many students chose each verdict; ``claim_ids`` are listed even when nobody judged them."""
        wanted = list(claim_ids)
        students = self.tables["students"]
        with self._connection() as connection:
            record = self._class_of_secret(connection, teacher_secret)
            wanted = [_claim_id(claim) for claim in wanted]
            reveal_all = self._reveal_all(connection, record.class_id)
            counts = self._counts(connection, record.class_id, wanted)
            revealed = self._revealed(connection, record.class_id, reveal_all)
            student_count = connection.execute(
                sa.select(sa.func.count()).select_from(students).where(students.c.class_id == record.class_id)
            ).scalar_one()
        claims = {
            claim: ClaimSummary(claim, by_verdict, sum(by_verdict.values()), revealed(claim))
            for claim, by_verdict in sorted(counts.items())
        }
        return ClassSummary(record, student_count, claims)

    def reasons(self, teacher_secret: str, claim_id: str, show_names: bool = False) -> list[Reason]:
        """The reasons students gave for their verdicts on a claim, oldest first; names only when asked for."""
        students, judgements = self.tables["students"], self.tables["judgements"]
        with self._connection() as connection:
            record = self._class_of_secret(connection, teacher_secret)
            claim_id = _claim_id(claim_id)
            rows = connection.execute(
                sa.select(judgements.c.verdict, judgements.c.reason, judgements.c.updated, students.c.name)
                .select_from(judgements.join(students))
                .where(students.c.class_id == record.class_id, judgements.c.claim_id == claim_id)
                .order_by(judgements.c.updated, judgements.c.student_id)
            ).all()
        return [Reason(row.verdict, row.reason, row.updated, row.name if show_names else None) for row in rows]

    def progress(self, teacher_secret: str) -> list[StudentProgress]:
        """Every student of the class: where they are, how far they got, how many notes and judgements."""
        students, progress = self.tables["students"], self.tables["progress"]
        notes, judgements = self.tables["notes"], self.tables["judgements"]
        note_counts = (
            sa.select(notes.c.student_id, sa.func.count().label("count")).group_by(notes.c.student_id).subquery()
        )
        judgement_counts = (
            sa.select(judgements.c.student_id, sa.func.count().label("count"))
            .group_by(judgements.c.student_id)
            .subquery()
        )
        with self._connection() as connection:
            record = self._class_of_secret(connection, teacher_secret)
            rows = connection.execute(
                sa.select(
                    students.c.student_id,
                    students.c.name,
                    progress.c.paragraph,
                    progress.c.furthest,
                    progress.c.updated,
                    note_counts.c.count.label("notes"),
                    judgement_counts.c.count.label("judgements"),
                )
                .select_from(
                    students.outerjoin(progress)
                    .outerjoin(note_counts, note_counts.c.student_id == students.c.student_id)
                    .outerjoin(judgement_counts, judgement_counts.c.student_id == students.c.student_id)
                )
                .where(students.c.class_id == record.class_id)
                .order_by(students.c.name, students.c.student_id)
            ).all()
        return [
            StudentProgress(
                row.student_id, row.name, row.paragraph, row.furthest, row.notes or 0, row.judgements or 0, row.updated
            )
            for row in rows
        ]

    def reveal(self, teacher_secret: str, claim_id: str | None = None) -> None:
        """Let students who have judged a claim (``None``: every claim) see the class's distribution of it."""
        self._set_revealed(teacher_secret, claim_id, True)

    def hide(self, teacher_secret: str, claim_id: str | None = None) -> None:
        """Take back a reveal, of one claim or (``None``) of all."""
        self._set_revealed(teacher_secret, claim_id, False)

    def _set_revealed(self, teacher_secret: str, claim_id: str | None, revealed: bool) -> None:
        classes, reveals = self.tables["classes"], self.tables["reveals"]
        with self._transaction() as connection:
            class_id = self._class_of_secret(connection, teacher_secret).class_id
            claim = None if claim_id is None else _claim_id(claim_id)
            if claim is None:
                connection.execute(classes.update().where(classes.c.class_id == class_id).values(reveal_all=revealed))
                connection.execute(reveals.delete().where(reveals.c.class_id == class_id))
                return
            statement = self._insert(reveals).values(class_id=class_id, claim_id=claim, revealed=revealed)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[reveals.c.class_id, reveals.c.claim_id], set_={"revealed": revealed}
                )
            )

    def export_csv(self, teacher_secret: str) -> str:
        """The class's notes and judgements as CSV (one row each), safe to open in a spreadsheet."""
        students, notes, judgements = self.tables["students"], self.tables["notes"], self.tables["judgements"]
        with self._connection() as connection:
            record = self._class_of_secret(connection, teacher_secret)
            note_rows = connection.execute(
                sa.select(students.c.student_id, students.c.name, notes.c.paragraph, notes.c.text, notes.c.updated)
                .select_from(notes.join(students))
                .where(students.c.class_id == record.class_id)
                .order_by(students.c.name, students.c.student_id, notes.c.paragraph)
            ).all()
            judgement_rows = connection.execute(
                sa.select(
                    students.c.student_id,
                    students.c.name,
                    judgements.c.claim_id,
                    judgements.c.verdict,
                    judgements.c.reason,
                    judgements.c.updated,
                )
                .select_from(judgements.join(students))
                .where(students.c.class_id == record.class_id)
                .order_by(students.c.name, students.c.student_id, judgements.c.claim_id)
            ).all()
        output = io.StringIO()
        writer = csv.writer(output, lineterminator="\r\n")
        writer.writerow(["student_id", "student", "kind", "paragraph", "claim_id", "verdict", "text", "updated"])
        for row in note_rows:
            line = [row.student_id, row.name, "note", row.paragraph, "", "", row.text, row.updated]
            writer.writerow([spreadsheet_safe(cell) for cell in line])
        for judged in judgement_rows:
            line = [judged.student_id, judged.name, "judgement", "", judged.claim_id, judged.verdict, judged.reason]
            line.append(judged.updated)
            writer.writerow([spreadsheet_safe(cell) for cell in line])
        return output.getvalue()

    def clear_class(self, teacher_secret: str) -> int:
        """Delete every student of the class and all they wrote; the class and its code stay. Returns students."""
        students, classes, reveals = self.tables["students"], self.tables["classes"], self.tables["reveals"]
        with self._transaction() as connection:
            class_id = self._class_of_secret(connection, teacher_secret).class_id
            student_ids = sa.select(students.c.student_id).where(students.c.class_id == class_id)
            for name in ("tokens", "notes", "judgements", "progress"):
                table = self.tables[name]
                connection.execute(table.delete().where(table.c.student_id.in_(student_ids)))
            deleted = connection.execute(students.delete().where(students.c.class_id == class_id)).rowcount
            connection.execute(reveals.delete().where(reveals.c.class_id == class_id))
            connection.execute(classes.update().where(classes.c.class_id == class_id).values(reveal_all=False))
        return deleted

    def delete_class(self, teacher_secret: str) -> None:
        """Delete the class itself after :meth:`clear_class`: its code and secret stop working."""
        self.clear_class(teacher_secret)
        classes = self.tables["classes"]
        with self._transaction() as connection:
            class_id = self._class_of_secret(connection, teacher_secret).class_id
            connection.execute(classes.delete().where(classes.c.class_id == class_id))

    # --- today's notes files ---------------------------------------------------------------------------------

    def import_notes_file(self, token: str, path: str | Path) -> ImportResult:
        """Bring a student's notes file (:mod:`reader.student_notes` format) into the store, as that student.

        Each entry keeps its time as its sequence number, so an entry older than the store's is skipped; a file of
        another shape raises :class:`InvalidInput` naming the file and the problem, and nothing is imported.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidInput(f"{path}: cannot be read as a notes file ({_first_line(error)})") from error
        problem = shape_problem(data)
        if problem:
            raise InvalidInput(f"{path}: not a notes file of this reader: {problem}")
        self.student(token)
        imported_notes = imported_judgements = skipped = 0
        problems = []
        for key, entry in sorted(data["paragraph_notes"].items(), key=lambda item: int(item[0])):
            try:
                if self.save_note(token, int(key), entry["text"], sequence_of_entry(entry)):
                    imported_notes += 1
                else:
                    skipped += 1
            except InvalidInput as error:
                problems.append(f"{path}: paragraph_notes[{key!r}]: {error}")
        for key, entry in sorted(data["judgements"].items()):
            try:
                if self.save_judgement(token, key, entry["judgement"], entry["reason"], sequence_of_entry(entry)):
                    imported_judgements += 1
                else:
                    skipped += 1
            except InvalidInput as error:
                problems.append(f"{path}: judgements[{key!r}]: {error}")
        return ImportResult(imported_notes, imported_judgements, skipped, problems)

    # --- shared queries --------------------------------------------------------------------------------------

    def _reveal_all(self, connection: Connection, class_id: int) -> bool:
        classes = self.tables["classes"]
        return bool(connection.execute(sa.select(classes.c.reveal_all).where(classes.c.class_id == class_id)).scalar())

    def _revealed(self, connection: Connection, class_id: int, reveal_all: bool):
        reveals = self.tables["reveals"]
        rows = dict(
            connection.execute(
                sa.select(reveals.c.claim_id, reveals.c.revealed).where(reveals.c.class_id == class_id)
            ).all()
        )
        return lambda claim_id: bool(rows.get(claim_id, reveal_all))

    def _counts(self, connection: Connection, class_id: int, claim_ids: list[str]) -> dict[str, dict[str, int]]:
        """Per claim, the number of students per verdict (one GROUP BY): the claims judged, and ``claim_ids``."""
        students, judgements = self.tables["students"], self.tables["judgements"]
        rows = connection.execute(
            sa.select(judgements.c.claim_id, judgements.c.verdict, sa.func.count())
            .select_from(judgements.join(students))
            .where(students.c.class_id == class_id)
            .group_by(judgements.c.claim_id, judgements.c.verdict)
        ).all()
        counts: dict[str, dict[str, int]] = {claim: dict.fromkeys(JUDGEMENTS, 0) for claim in claim_ids}
        for claim_id, verdict, count in rows:
            counts.setdefault(claim_id, dict.fromkeys(JUDGEMENTS, 0))[verdict] = count
        return counts


def sequence_of_entry(entry: dict) -> int:
    """The sequence number of a notes file's entry: its time (1 when it has none)."""
    try:
        return max(1, sequence_of_time(entry["updated"]))
    except (KeyError, ValueError):
        return 1


def _sqlite_pragma(connection: Connection, statement: str) -> None:
    """Run a PRAGMA on the driver's connection itself (SQLAlchemy would open a transaction first)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
