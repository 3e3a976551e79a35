"""A student's own notes and judgements, saved to a file in their own directory, never lost.

Saving is atomic (a temporary file in the same folder, flushed to disk, then renamed over the old one), so a
crash or a killed kernel leaves either the previous file or the new one, never half of one. Every save happens
under a lock and re-reads the file first, so two kernels writing at once (two tabs, a restarted kernel) merge their
changes instead of overwriting each other. A file that cannot be read is set aside, with a warning, not overwritten.
"""

import contextlib
import fcntl
import json
import os
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

FORMAT_VERSION = 1
JUDGEMENTS = ("supported", "doubtful", "wrong", "opinion")
NOTES_DIRECTORY_VARIABLE = "READER_NOTES_DIR"


def default_notes_path(edition_name: str) -> Path:
    """``~/reader-notes/<edition>.json``, or the folder named by READER_NOTES_DIR."""
    folder = os.environ.get(NOTES_DIRECTORY_VARIABLE) or Path.home() / "reader-notes"
    return Path(folder).expanduser() / f"{edition_name}.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _empty(edition_name: str) -> dict:
    return {"format": FORMAT_VERSION, "edition": edition_name, "paragraph_notes": {}, "judgements": {}}


class StudentNotes:
    """Notes per paragraph and judgements per claim, kept in one JSON file."""

    def __init__(self, edition_name: str, path: str | Path | None = None):
        self.edition_name = edition_name
        self.path = Path(path).expanduser() if path else default_notes_path(edition_name)
        self.warnings: list[str] = []
        self.last_saved: str | None = None
        self._data = self._read()

    # reading ----------------------------------------------------------------------------------------------

    def _read(self) -> dict:
        if not self.path.exists():
            return _empty(self.edition_name)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not (
                isinstance(data, dict)
                and isinstance(data.get("paragraph_notes"), dict)
                and isinstance(data.get("judgements"), dict)
            ):
                raise ValueError("not a notes file of this reader")
            return data
        except (ValueError, UnicodeDecodeError) as error:
            self._set_aside(error)
            return _empty(self.edition_name)

    def _set_aside(self, error: Exception) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        kept = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}{self.path.suffix}")
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.path, kept)
        message = (
            f"Your notes file {self.path} could not be read ({error}); it was kept as {kept.name} "
            "and a new one was started."
        )
        self.warnings.append(message)
        warnings.warn(message, stacklevel=3)

    # the notes --------------------------------------------------------------------------------------------

    def note(self, paragraph: int) -> str:
        return self._data["paragraph_notes"].get(str(paragraph), {}).get("text", "")

    def set_note(self, paragraph: int, text: str) -> None:
        self._save("paragraph_notes", str(paragraph), {"text": text, "updated": _now()})

    def judgement(self, claim_id: str) -> dict | None:
        return self._data["judgements"].get(claim_id)

    def set_judgement(self, claim_id: str, judgement: str, reason: str) -> None:
        if judgement not in JUDGEMENTS:
            raise ValueError(f"judgement {judgement!r}; expected one of {', '.join(JUDGEMENTS)}")
        self._save("judgements", claim_id, {"judgement": judgement, "reason": reason, "updated": _now()})

    # saving -----------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _save(self, section: str, key: str, value: dict) -> None:
        """Apply one change to the newest file on disk and write it back atomically, under the lock."""
        with self._locked():
            self._data = self._read()
            self._data[section][key] = value
            self._write_atomically(json.dumps(self._data, ensure_ascii=False, indent=1, sort_keys=True))
        self.last_saved = value["updated"]

    def _write_atomically(self, text: str) -> None:
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as temporary_file:
                temporary_file.write(text)
                temporary_file.flush()
                os.fsync(temporary_file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    # export -----------------------------------------------------------------------------------------------

    def to_markdown(self, edition) -> str:
        """The student's notes and judgements as Markdown, paragraph by paragraph, with the essay's words."""
        lines = [f"# My notes on “{edition.title}”", ""]
        for paragraph in edition.all_paragraphs():
            note = self.note(paragraph.number)
            judged = [
                (claim, self.judgement(claim.claim_id)) for claim in paragraph.claims if self.judgement(claim.claim_id)
            ]
            if not note and not judged:
                continue
            lines += [f"## {paragraph.label}", "", f"> {paragraph.text}", ""]
            if note:
                lines += [note, ""]
            for claim, judgement in judged:
                lines += [
                    f"- “{claim.quote}” — my judgement: **{judgement['judgement']}**"
                    + (f" ({judgement['reason']})" if judgement.get("reason") else "")
                    + f"; the edition's verdict: {claim.verdict}."
                ]
            if judged:
                lines.append("")
        if len(lines) == 2:
            lines.append("No notes yet.")
        return "\n".join(lines).rstrip() + "\n"

    def export_markdown(self, edition, path: str | Path | None = None) -> Path:
        target = Path(path) if path else self.path.with_suffix(".md")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_markdown(edition), encoding="utf-8")
        return target
