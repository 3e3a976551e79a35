"""What a student's or the teacher's widgets may ask of the class, bound once to their token or secret.

The widgets never hold a token or a secret themselves, and never see the store's own types: a
:class:`StudentAccess` answers for one student, a :class:`TeacherAccess` for the class's teacher, over any object
with the class store's interface (:class:`reader.classroom.store.ClassStore` itself, or the HTTP client of the
class service a kernel uses). A refusal of the store (not revealed yet, not judged yet, an unknown token, the
service unreachable) becomes a :class:`ClassRefusal` with one line to show.
"""

import contextlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class ClassRefusal(Exception):
    """The class would not or could not answer: one line for the person at the screen."""


def _plain(value: Any) -> Any:
    """A store's answer (dataclass, named tuple, mapping) as plain dicts and lists."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if hasattr(value, "__dataclass_fields__"):
        return {key: _plain(getattr(value, key)) for key in value.__dataclass_fields__}
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _refusal(error: Exception) -> ClassRefusal:
    text = str(error).strip().splitlines()
    return ClassRefusal(text[0] if text else type(error).__name__)


def _asked(call, *arguments):
    """``call(*arguments)``; any refusal of the store or of the network as a :class:`ClassRefusal`."""
    try:
        return call(*arguments)
    except ClassRefusal:
        raise
    except (LookupError, PermissionError, ValueError, OSError, RuntimeError) as error:
        raise _refusal(error) from error


@dataclass
class Distribution:
    """The class's judgements of one claim: a count per judgement, and how many students judged it."""

    claim_id: str
    counts: dict[str, int]
    judged: int


@dataclass
class StudentAccess:
    store: Any
    token: str = field(repr=False)
    _latest: int | None = field(default=None, init=False, repr=False)
    _sender: Any = field(default=None, init=False, repr=False)
    _lock: Any = field(default_factory=threading.Lock, init=False, repr=False)

    def distribution(self, claim_id: str) -> Distribution:
        """The class's judgements of a claim; a :class:`ClassRefusal` unless revealed and judged by this student."""
        answer = _plain(_asked(self.store.distribution, self.token, claim_id))
        return Distribution(claim_id, {str(k): int(v) for k, v in answer["counts"].items()}, int(answer["judged"]))

    def save_progress(self, paragraph: int) -> None:
        _asked(self.store.save_progress, self.token, paragraph)

    def save_progress_later(self, paragraph: int) -> None:
        """Where the student is, sent by one background thread, the newest place only: a paragraph change never
        waits for the class, and a place the class could not be told is not the student's work (the next one
        replaces it), so it is not kept in the durable outbox the notes use."""
        with self._lock:
            self._latest = paragraph
            if self._sender is not None:
                return
            self._sender = threading.Thread(target=self._send_progress, name="reader-class-progress", daemon=True)
            self._sender.start()

    def _send_progress(self) -> None:
        while True:
            with self._lock:
                paragraph, self._latest = self._latest, None
                if paragraph is None:
                    self._sender = None
                    return
            with contextlib.suppress(ClassRefusal):
                self.save_progress(paragraph)

    def progress_sent(self, timeout: float = 30.0) -> bool:
        """Wait until the newest place has been sent (or could not be); True if nothing is left to send."""
        sender = self._sender
        if sender is not None:
            sender.join(timeout)
        return self._sender is None


@dataclass
class TeacherAccess:
    store: Any
    secret: str = field(repr=False)
    code: str = ""
    title: str = ""

    def summary(self, claim_ids: Iterable[str] = ()) -> dict:
        """``record`` (the class: ``code``, ``title`` ...), ``students`` (how many joined) and ``claims``: per claim
        id, ``counts`` per judgement, ``judged``, ``revealed`` (every claim of ``claim_ids``, judged or not)."""
        return _plain(_asked(self.store.summary, self.secret, list(claim_ids)))

    def reasons(self, claim_id: str, show_names: bool = False) -> list[dict]:
        """Per judgement of the claim: ``verdict``, ``reason``, and ``name`` only if ``show_names``."""
        return _plain(_asked(self.store.reasons, self.secret, claim_id, show_names))

    def progress(self) -> list[dict]:
        """Per student: ``name``, the ``paragraph`` they are on and the ``furthest`` they reached (None: not yet)."""
        return _plain(_asked(self.store.progress, self.secret))

    def reveal(self, claim_id: str | None) -> None:
        _asked(self.store.reveal, self.secret, claim_id)

    def hide(self, claim_id: str | None) -> None:
        _asked(self.store.hide, self.secret, claim_id)

    def export_csv(self) -> str:
        return _asked(self.store.export_csv, self.secret)

    def clear(self) -> None:
        _asked(self.store.clear_class, self.secret)
