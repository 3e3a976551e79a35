"""The student's kernel's side of a class: the class API over HTTP, and notes that are never lost on the way.

- :class:`RemoteClassStore` speaks to :mod:`reader.classroom.service` and has the same methods, arguments, return
  values and errors as :class:`~reader.classroom.store.ClassStore`, so a view can take either (one machine: the
  store itself; JupyterHub: the service).
- :class:`ClassNotes` is what the reader's notes and claims panels use in a class, in place of
  :class:`~reader.student_notes.StudentNotes` (same methods). Every write goes first to the student's own file copy
  (kept for "Export my notes") and to a durable **outbox** (a JSON file written atomically), then a thread sends
  it to the service, oldest first, with backoff (0.5 s doubling to 30 s) while the service cannot be reached. A
  write leaves the outbox only once the service has answered; a kernel that restarts with the same token finds
  its outbox and sends what is left. Each write carries a client sequence number, so sending it twice (an answer
  lost on the way) changes nothing. A write the service refuses for good (bad input, a token the class no longer
  knows) is moved to the outbox's ``rejected`` list, never dropped, and reported in :attr:`ClassNotes.status`.

Both files live in the student notes folder (``READER_NOTES_DIR`` or ``~/reader-notes``), under ``class/``, named
by a hash of the token (never the token itself): ``EDITION.TOKENHASH.json`` and ``EDITION.TOKENHASH.outbox.json``.
"""

import contextlib
import hashlib
import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reader.atomic_files import write_atomically
from reader.classroom.store import (
    ClaimSummary,
    ClassRecord,
    ClassStoreError,
    ClassSummary,
    Distribution,
    InvalidInput,
    Judgement,
    NotAllowed,
    NotYetVisible,
    Reason,
    StoreUnavailable,
    StudentInfo,
    StudentProgress,
    StudentSession,
    StudentState,
    UnknownClass,
    next_client_sequence,
    sequence_of_entry,
)
from reader.student_notes import JUDGEMENTS, NotesSaveError, StudentNotes, default_notes_path, shape_problem

STUDENT_HEADER = "X-Reader-Student"
TEACHER_HEADER = "X-Reader-Teacher"
OUTBOX_FORMAT = 1
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0


# --- the API over HTTP -----------------------------------------------------------------------------------------


class RemoteClassStore:
    """The class store's interface, through its HTTP service at ``base_url`` (``http://host:port``)."""

    def __init__(
        self, base_url: str, *, timeout: float = 10.0, prefix: str = "/class/api", headers: dict | None = None
    ):
        self.base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(f"class service address: expected http://host:port, found {base_url!r}")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self.path = parts.path.rstrip("/") + prefix.rstrip("/")
        self.timeout = timeout
        self.headers = dict(headers or {})  # sent with every request (on JupyterHub: the hub token)
        self._local = threading.local()  # one kept-alive connection per thread

    def __repr__(self) -> str:
        return f"RemoteClassStore({self.base_url!r})"

    def _new_connection(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=self.timeout)

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict | None = None,
        query: Iterable[tuple[str, str]] = (),
        student: str | None = None,
        teacher: str | None = None,
        raw: bool = False,
    ) -> Any:
        headers = {**self.headers, "Accept": "application/json"}
        if student is not None:
            headers[STUDENT_HEADER] = student
        if teacher is not None:
            headers[TEACHER_HEADER] = teacher
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        target = f"{self.path}/{path}" + (f"?{urllib.parse.urlencode(list(query))}" if query else "")
        status, content = self._request(method, target, data, headers)
        if status >= 400:
            raise _error_of(status, content)
        if raw:
            return content.decode("utf-8")
        try:
            return json.loads(content)
        except ValueError:
            raise StoreUnavailable(
                f"the class service at {self.base_url} answered something that is not JSON"
            ) from None

    def _request(self, method: str, target: str, data: bytes | None, headers: dict) -> tuple[int, bytes]:
        """Send on this thread's kept-alive connection; a connection the server closed meanwhile is opened again
        once (every write is safe to repeat: it carries its sequence number)."""
        for attempt in (1, 2):
            connection = getattr(self._local, "connection", None)
            reused = connection is not None
            if connection is None:
                connection = self._local.connection = self._new_connection()
            try:
                connection.request(method, target, body=data, headers=headers)
                response = connection.getresponse()
                content = response.read()
                if response.will_close:
                    self._drop_connection()
                return response.status, content
            except (http.client.HTTPException, OSError) as error:
                self._drop_connection()
                if (
                    reused
                    and attempt == 1
                    and isinstance(error, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError)
                ):
                    continue
                reason = error.strerror if isinstance(error, OSError) and error.strerror else error
                raise StoreUnavailable(f"the class service at {self.base_url} cannot be reached ({reason})") from None
        raise AssertionError("unreachable")

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    # identities
    def join(self, code: str, name: str, token: str | None = None) -> StudentSession:
        return StudentSession(**self._call("POST", "join", body={"code": code, "name": name}, student=token))

    def student(self, token: str) -> StudentInfo:
        return self.student_state(token).student

    # a student's writes and reads
    def save_note(self, token: str, paragraph: int, text: str, client_seq: int) -> bool:
        body = {"paragraph": paragraph, "text": text, "client_seq": client_seq}
        return bool(self._call("POST", "note", body=body, student=token)["applied"])

    def save_judgement(self, token: str, claim_id: str, verdict: str, reason: str, client_seq: int) -> bool:
        body = {"claim_id": claim_id, "verdict": verdict, "reason": reason, "client_seq": client_seq}
        return bool(self._call("POST", "judgement", body=body, student=token)["applied"])

    def save_progress(self, token: str, paragraph: int) -> None:
        self._call("POST", "progress", body={"paragraph": paragraph}, student=token)

    def student_state(self, token: str) -> StudentState:
        data = self._call("GET", "state", student=token)
        return StudentState(
            student=StudentInfo(**data["student"]),
            notes={int(paragraph): text for paragraph, text in data["notes"].items()},
            judgements={claim: Judgement(**judged) for claim, judged in data["judgements"].items()},
            paragraph=data["paragraph"],
            furthest=data["furthest"],
            revealed=frozenset(data["revealed"]),
        )

    def distribution(self, token: str, claim_id: str) -> Distribution:
        return Distribution(**self._call("GET", "distribution", query=[("claim_id", claim_id)], student=token))

    # the teacher
    def summary(self, teacher_secret: str, claim_ids: Iterable[str] = ()) -> ClassSummary:
        query = [("claim_id", claim) for claim in claim_ids]
        data = self._call("GET", "teacher/summary", query=query, teacher=teacher_secret)
        return ClassSummary(
            record=ClassRecord(**data["record"]),
            students=data["students"],
            claims={claim: ClaimSummary(**summary) for claim, summary in data["claims"].items()},
        )

    def reasons(self, teacher_secret: str, claim_id: str, show_names: bool = False) -> list[Reason]:
        query = [("claim_id", claim_id), ("names", "1" if show_names else "0")]
        data = self._call("GET", "teacher/reasons", query=query, teacher=teacher_secret)
        return [Reason(**reason) for reason in data["reasons"]]

    def progress(self, teacher_secret: str) -> list[StudentProgress]:
        data = self._call("GET", "teacher/progress", teacher=teacher_secret)
        return [StudentProgress(**student) for student in data["students"]]

    def reveal(self, teacher_secret: str, claim_id: str | None = None) -> None:
        self._call("POST", "teacher/reveal", body={"claim_id": claim_id}, teacher=teacher_secret)

    def hide(self, teacher_secret: str, claim_id: str | None = None) -> None:
        self._call("POST", "teacher/hide", body={"claim_id": claim_id}, teacher=teacher_secret)

    def export_csv(self, teacher_secret: str) -> str:
        return self._call("GET", "teacher/export.csv", teacher=teacher_secret, raw=True)

    def clear_class(self, teacher_secret: str) -> int:
        body = {"confirm": True}
        return int(self._call("POST", "teacher/clear", body=body, teacher=teacher_secret)["students_deleted"])

    def teacher_class(self, teacher_secret: str) -> ClassRecord:
        return self.summary(teacher_secret).record


def _error_of(status: int, content: bytes) -> ClassStoreError:
    """The store's own error for an HTTP error answer (so callers catch the same errors as with the store)."""
    try:
        message = str(json.loads(content)["error"])
    except (ValueError, KeyError, TypeError):
        message = f"the class service answered {status}"
    if status == 403 and ("judge this claim" in message or "not revealed" in message):
        return NotYetVisible(message)
    kind = {400: InvalidInput, 413: InvalidInput, 415: InvalidInput, 403: NotAllowed, 404: UnknownClass}.get(status)
    if status == 429:
        return NotAllowed(message)
    return (kind or StoreUnavailable)(message)


# --- a student's notes in a class ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryStatus:
    """Where the student's writes are: sent, waiting (and why), or refused for good."""

    pending: int = 0
    delivered: int = 0
    rejected: int = 0
    unreachable_since: float | None = None  # time.time() of the first failed try in a row
    last_error: str | None = None

    @property
    def message(self) -> str:
        """One line for the student (no path, no address)."""
        if self.rejected:
            return f"{self.rejected} change(s) were refused by the class; they are kept in your own copy."
        if self.pending and self.unreachable_since is not None:
            return f"The class cannot be reached: {self.pending} change(s) are kept here and will be sent."
        if self.pending:
            return "Sending to the class…"
        return "Saved to the class."


def class_files(edition_name: str, token: str, folder: str | Path | None = None) -> tuple[Path, Path]:
    """The student's own copy and outbox for this class token (named by a hash of the token)."""
    base = Path(folder) if folder else default_notes_path(edition_name).parent / "class"
    key = hashlib.sha256(token.encode("utf-8")).hexdigest()[:20]
    return base / f"{edition_name}.{key}.json", base / f"{edition_name}.{key}.outbox.json"


class ClassNotes:
    """A student's notes and judgements in a class: the same methods as StudentNotes, kept in the class store.

    ``store`` is a :class:`RemoteClassStore` (or a :class:`~reader.classroom.store.ClassStore`, on one machine);
    ``token`` the student's. The constructor reads the class's copy of the student's work (if the service answers)
    into the local copy, and starts the sending thread; :meth:`close` stops it (what is left stays in the outbox).
    """

    def __init__(
        self,
        store,
        token: str,
        edition_name: str,
        *,
        folder: str | Path | None = None,
        start: bool = True,
    ):
        self.store = store
        self.token = token
        self.edition_name = edition_name
        local_path, self.outbox_path = class_files(edition_name, token, folder)
        self.local = StudentNotes(edition_name, local_path)
        self.path = self.local.path
        self.warnings: list[str] = self.local.warnings
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._entries: list[dict] = []
        self._rejected: list[dict] = []
        self._status = DeliveryStatus()
        self._callbacks: list[Callable[[DeliveryStatus], None]] = []
        self._failures = 0
        self._next_attempt = 0.0
        self._closed = False
        self._outbox_unsaved = False
        self._load_outbox()
        self._update_status()
        self.student: StudentInfo | None = None
        with contextlib.suppress(ClassStoreError):
            self.refresh()
        self._thread = threading.Thread(target=self._send_loop, name="reader-class-outbox", daemon=True)
        if start:
            self._thread.start()

    def __repr__(self) -> str:
        return f"<ClassNotes {self.edition_name}: {self.status.message}>"

    # --- the same interface as StudentNotes ------------------------------------------------------------------

    @property
    def last_saved(self) -> str | None:
        return self.local.last_saved

    @property
    def unsaved(self) -> int:
        """Changes not yet in the class store (waiting in the outbox) plus those not yet in the local copy."""
        return self.status.pending + self.local.unsaved

    def note(self, paragraph: int) -> str:
        return self.local.note(paragraph)

    def judgement(self, claim_id: str) -> dict | None:
        return self.local.judgement(claim_id)

    def set_note(self, paragraph: int, text: str) -> None:
        """Keep the note locally and queue it for the class; raises NotesSaveError if the local copy failed."""
        self._queue("note", str(paragraph), {"paragraph": paragraph, "text": text})
        self.local.set_note(paragraph, text)

    def set_judgement(self, claim_id: str, judgement: str, reason: str) -> None:
        if judgement not in JUDGEMENTS:
            raise ValueError(f"judgement {judgement!r}; expected one of {', '.join(JUDGEMENTS)}")
        self._queue("judgement", claim_id, {"claim_id": claim_id, "verdict": judgement, "reason": reason})
        self.local.set_judgement(claim_id, judgement, reason)

    def set_progress(self, paragraph: int) -> None:
        """Where the student is (for the teacher's view); queued like a note, only the newest is kept."""
        self._queue("progress", "", {"paragraph": paragraph})

    def import_notes_file(self, path: str | Path) -> int:
        """Queue a notes file of this reader (a student's ``~/reader-notes/EDITION.json``) for the class; return the
        number of entries queued. Each keeps its time as its sequence number, so the class keeps whichever is newer;
        a file of another shape raises InvalidInput naming it, and nothing is queued."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidInput(f"{path}: cannot be read as a notes file ({error})") from None
        problem = shape_problem(data)
        if problem:
            raise InvalidInput(f"{path}: not a notes file of this reader: {problem}")
        entries = [
            ("note", key, {"paragraph": int(key), "text": entry["text"]}, entry)
            for key, entry in data["paragraph_notes"].items()
        ] + [
            (
                "judgement",
                key,
                {"claim_id": key, "verdict": entry["judgement"], "reason": entry["reason"]},
                entry,
            )
            for key, entry in data["judgements"].items()
        ]
        for kind, key, body, entry in entries:
            self._queue(kind, key, body, client_seq=sequence_of_entry(entry))
        return len(entries)

    def to_markdown(self, edition) -> str:
        return self.local.to_markdown(edition)

    def export_markdown(self, edition, path: str | Path | None = None) -> Path:
        return self.local.export_markdown(edition, path)

    # --- the class -------------------------------------------------------------------------------------------

    def refresh(self) -> StudentState:
        """Read the student's work from the class into the local copy (entries still waiting to be sent win)."""
        state = self.store.student_state(self.token)
        self.student = state.student
        with self._lock:
            waiting = {(entry["kind"], entry["key"]) for entry in self._entries}
        notes = {number: text for number, text in state.notes.items() if ("note", str(number)) not in waiting}
        judged = {
            claim: (judgement.verdict, judgement.reason)
            for claim, judgement in state.judgements.items()
            if ("judgement", claim) not in waiting
        }
        try:
            self.local.save_entries(notes, judged)
        except NotesSaveError as error:
            self.warnings.append(error.message)
        return state

    def distribution(self, claim_id: str) -> Distribution:
        """The class's verdicts on a claim (raises NotYetVisible until revealed and judged by this student)."""
        return self.store.distribution(self.token, claim_id)

    @property
    def status(self) -> DeliveryStatus:
        with self._lock:
            return self._status

    def on_status(self, callback: Callable[[DeliveryStatus], None]) -> None:
        """Call ``callback(status)`` whenever the delivery status changes (from the sending thread)."""
        self._callbacks.append(callback)

    def flush(self, timeout: float = 30.0) -> bool:
        """Try to send everything now; wait up to ``timeout`` seconds; True when nothing is left to send."""
        deadline = time.monotonic() + timeout
        with self._wake:
            self._next_attempt = 0.0
            self._wake.notify_all()
            while self._entries and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._wake.wait(min(remaining, 0.1))
            return not self._entries

    def close(self) -> None:
        """Stop the sending thread; what is not sent stays in the outbox for the next session."""
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    # --- the outbox ------------------------------------------------------------------------------------------

    def _load_outbox(self) -> None:
        try:
            data = json.loads(self.outbox_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            self.warnings.append(f"The waiting changes for the class could not be read ({error}); they are kept.")
            kept = self.outbox_path.with_name(self.outbox_path.name + f".unreadable-{int(time.time())}")
            with contextlib.suppress(OSError):
                self.outbox_path.rename(kept)
            return
        if isinstance(data, dict) and data.get("format") == OUTBOX_FORMAT:
            self._entries = [entry for entry in data.get("entries", []) if _valid_entry(entry)]
            self._rejected = [entry for entry in data.get("rejected", []) if isinstance(entry, dict)]

    def _save_outbox(self) -> None:
        """Write the outbox atomically (called with the lock held); a failure is retried with the next change."""
        content = json.dumps(
            {
                "format": OUTBOX_FORMAT,
                "edition": self.edition_name,
                "entries": self._entries,
                "rejected": self._rejected,
            },
            ensure_ascii=False,
            indent=1,
        )
        try:
            self.outbox_path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.outbox_path, content, new_file_mode=0o600)
            self._outbox_unsaved = False
        except OSError as error:
            self._outbox_unsaved = True
            self._status = replace(self._status, last_error=f"the waiting changes could not be kept on disk: {error}")

    def _queue(self, kind: str, key: str, body: dict, client_seq: int | None = None) -> None:
        entry = {"kind": kind, "key": key, "body": body, "client_seq": client_seq or next_client_sequence()}
        with self._wake:
            waiting = [old for old in self._entries if (old["kind"], old["key"]) == (kind, key)]
            if any(old["client_seq"] >= entry["client_seq"] for old in waiting):
                return  # an older entry (an imported file's) never replaces a newer one still waiting
            self._entries = [old for old in self._entries if old not in waiting] + [entry]
            self._save_outbox()
            self._next_attempt = 0.0  # a new change is tried at once, even while backing off
            self._update_status()
            self._wake.notify_all()
        self._notify()

    def _update_status(self) -> None:
        self._status = replace(self._status, pending=len(self._entries), rejected=len(self._rejected))

    def _notify(self) -> None:
        status = self.status
        for callback in list(self._callbacks):
            with contextlib.suppress(Exception):  # a view's failure must not stop the sending
                callback(status)

    def _send(self, entry: dict) -> None:
        body, sequence = entry["body"], entry["client_seq"]
        if entry["kind"] == "note":
            self.store.save_note(self.token, body["paragraph"], body["text"], sequence)
        elif entry["kind"] == "judgement":
            self.store.save_judgement(self.token, body["claim_id"], body["verdict"], body["reason"], sequence)
        else:
            self.store.save_progress(self.token, body["paragraph"])

    def _send_loop(self) -> None:
        while True:
            with self._wake:
                while not self._closed and (not self._entries or time.monotonic() < self._next_attempt):
                    timeout = None if not self._entries else max(0.0, self._next_attempt - time.monotonic())
                    self._wake.wait(timeout)
                if self._closed:
                    return
                entry = self._entries[0]
            try:
                self._send(entry)
            except StoreUnavailable as error:
                with self._wake:
                    self._failures += 1
                    delay = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (self._failures - 1))
                    self._next_attempt = time.monotonic() + delay
                    self._status = replace(
                        self._status,
                        unreachable_since=self._status.unreachable_since or time.time(),
                        last_error=error.message,
                    )
                self._notify()
                continue
            except ClassStoreError as error:  # refused for good: kept aside, never dropped
                with self._wake:
                    self._remove(entry)
                    self._rejected.append({**entry, "error": error.message})
                    self._status = replace(self._status, last_error=error.message)
                    self._save_outbox()
                    self._update_status()
                    self._wake.notify_all()
                self._notify()
                continue
            with self._wake:
                self._remove(entry)
                self._failures = 0
                self._status = replace(
                    self._status, delivered=self._status.delivered + 1, unreachable_since=None, last_error=None
                )
                self._save_outbox()
                self._update_status()
                self._wake.notify_all()
            self._notify()

    def _remove(self, entry: dict) -> None:
        """Take a sent entry out (not a newer one of the same key queued meanwhile)."""
        self._entries = [old for old in self._entries if old is not entry]


def _valid_entry(entry) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("kind") in ("note", "judgement", "progress")
        and isinstance(entry.get("key"), str)
        and isinstance(entry.get("body"), dict)
        and type(entry.get("client_seq")) is int
    )
