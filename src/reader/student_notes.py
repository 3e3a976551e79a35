"""A student's own notes and judgements, saved to a file in their own directory, never lost.

Saving is atomic (:mod:`reader.atomic_files`: a temporary file in the same folder, flushed to disk, then renamed over
the old one), so a crash or a killed kernel leaves either the previous file or the new one, never half of one; the
temporary files a killed save leaves behind are removed by the next save or the next opening. Every save happens under
a lock (``NAME.json.lock``; ``fcntl`` on POSIX, ``msvcrt`` on Windows) and re-reads the file first, so two kernels
writing at once (two tabs, a restarted kernel) merge their changes instead of overwriting each other.

A file that cannot be read (not JSON, or JSON of another shape than :func:`shape_problem` accepts) is set aside as
``NAME.unreadable-STAMP.json``, with a warning, never overwritten, and a new one is started.

A save that fails (the folder is a file or read-only, the disk is full) raises :class:`NotesSaveError`, a one-line
message for the student; the change stays in memory and is written by the next save that succeeds, so nothing typed
is lost while the kernel runs.

A notes file that is a symbolic link is written through: the file it points to is replaced (atomically, in its own
folder) and the link stays, so notes kept in a synced or shared folder through a link stay there.
"""

import contextlib
import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path

from reader.atomic_files import exclusive_lock, remove_stale_temporaries, resolved_target, write_atomically
from reader.site import browser

FORMAT_VERSION = 1
JUDGEMENTS = ("supported", "doubtful", "wrong", "opinion")
NOTES_DIRECTORY_VARIABLE = "READER_NOTES_DIR"
SECTIONS = ("paragraph_notes", "judgements")
# The student's reader settings, kept with their notes (a section older files do not have).
SETTINGS_SECTION = "reader_settings"
READER_SETTINGS = {
    "text_size": ("standard", "large", "larger"),
    "line_spacing": ("standard", "wide", "wider"),
    "theme": ("default", "high-contrast", "dark"),
}


class NotesSaveError(OSError):
    """The notes file could not be written; what the student wrote is kept in memory and saved next time."""

    def __init__(self, path: Path, error: OSError):
        reason = error.strerror or str(error)
        self.message = (
            f"Your notes could not be saved to {path}: {reason}. What you wrote is kept while this page is open "
            "and will be saved with your next change; tell your teacher if this message stays."
        )
        super().__init__(error.errno, reason, str(path))

    def __str__(self) -> str:
        return self.message


def default_notes_path(edition_name: str) -> Path:
    """``~/reader-notes/<edition>.json``, or the folder named by READER_NOTES_DIR (in a static site: the browser's)."""
    folder = os.environ.get(NOTES_DIRECTORY_VARIABLE) or browser.browser_notes_folder() or Path.home() / "reader-notes"
    return Path(folder).expanduser() / f"{edition_name}.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _empty(edition_name: str) -> dict:
    return {"format": FORMAT_VERSION, "edition": edition_name, "paragraph_notes": {}, "judgements": {}}


def shape_problem(data) -> str | None:
    """What is wrong with the shape of a notes file's content, or None if it is one this reader wrote."""
    if not isinstance(data, dict):
        return f"expected an object with {' and '.join(SECTIONS)}, found {type(data).__name__}"
    missing = [section for section in SECTIONS if section not in data]
    if missing:
        return f"expected the key{'s' if len(missing) > 1 else ''} {' and '.join(missing)}"
    version = data.get("format", FORMAT_VERSION)
    if type(version) is not int or version != FORMAT_VERSION:
        return f"format {version!r} is not the one this reader writes ({FORMAT_VERSION})"
    if not isinstance(data.get("edition", ""), str):
        return "edition: expected a name"
    for section in SECTIONS:
        if not isinstance(data[section], dict):
            return f"{section}: expected an object, found {type(data[section]).__name__}"
    for key, entry in data["paragraph_notes"].items():
        if not (key.isascii() and key.isdigit()):
            return f"paragraph_notes: {key!r} is not a paragraph number"
        problem = _entry_problem(entry, {"text": str}) if isinstance(entry, dict) else "expected an object"
        if problem:
            return f"paragraph_notes[{key!r}]: {problem}"
    for key, entry in data["judgements"].items():
        problem = _entry_problem(entry, {"judgement": str, "reason": str}) if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            problem = "expected an object"
        elif problem is None and entry["judgement"] not in JUDGEMENTS:
            problem = f"judgement {entry['judgement']!r} is not one of {', '.join(JUDGEMENTS)}"
        if problem:
            return f"judgements[{key!r}]: {problem}"
    settings = data.get(SETTINGS_SECTION, {})
    if not isinstance(settings, dict):
        return f"{SETTINGS_SECTION}: expected an object, found {type(settings).__name__}"
    for key, entry in settings.items():
        problem = _entry_problem(entry, {"value": str}) if isinstance(entry, dict) else "expected an object"
        if problem:
            return f"{SETTINGS_SECTION}[{key!r}]: {problem}"
    return None


def _entry_problem(entry: dict, required: dict) -> str | None:
    for name, kind in {**required, "updated": str}.items():
        if name not in entry:
            if name in required:
                return f"{name} missing"
        elif not isinstance(entry[name], kind):
            return f"{name}: expected text, found {type(entry[name]).__name__}"
    return None


class StudentNotes:
    """Notes per paragraph and judgements per claim, kept in one JSON file."""

    def __init__(self, edition_name: str, path: str | Path | None = None):
        self.edition_name = edition_name
        self.path = Path(path).expanduser() if path else default_notes_path(edition_name)
        self.warnings: list[str] = []
        self.last_saved: str | None = None
        self._pending: dict[tuple[str, str], dict] = {}  # changes not yet on disk (a save failed)
        self._data = self._open()

    # reading ----------------------------------------------------------------------------------------------

    def _open(self) -> dict:
        """The notes on disk; stale temporary files of killed saves are removed first, under the lock."""
        with contextlib.suppress(OSError):
            if resolved_target(self.path).parent.is_dir():
                with self._locked(create_folder=False):
                    remove_stale_temporaries(resolved_target(self.path))
        try:
            return self._read()
        except OSError as error:  # unreadable for the system (permissions): left alone, not set aside
            message = (
                f"Your notes file {self.path} could not be opened ({error.strerror or error}); "
                "your earlier notes are not shown."
            )
            self.warnings.append(message)
            warnings.warn(message, stacklevel=3)
            return _empty(self.edition_name)

    def _read(self) -> dict:
        """The file's content; a missing file is an empty one, a file of another shape is set aside."""
        try:
            text = self.path.read_bytes().decode("utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return _empty(self.edition_name)
        except UnicodeDecodeError as error:
            self._set_aside(error)
            return _empty(self.edition_name)
        try:
            data = json.loads(text)
        except ValueError as error:
            self._set_aside(error)
            return _empty(self.edition_name)
        except RecursionError:
            self._set_aside("nested too deeply")
            return _empty(self.edition_name)
        problem = shape_problem(data)
        if problem:
            self._set_aside(f"not a notes file of this reader: {problem}")
            return _empty(self.edition_name)
        return data

    def _set_aside(self, error: Exception | str) -> None:
        unreadable = resolved_target(self.path)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        kept = unreadable.with_name(f"{unreadable.stem}.unreadable-{stamp}{unreadable.suffix}")
        with contextlib.suppress(FileNotFoundError):
            os.replace(unreadable, kept)
        message = (
            f"Your notes file {self.path} could not be read ({error}); it was kept as {kept.name} "
            "and a new one was started."
        )
        self.warnings.append(message)
        warnings.warn(message, stacklevel=4)

    # the notes --------------------------------------------------------------------------------------------

    def note(self, paragraph: int) -> str:
        return self._data["paragraph_notes"].get(str(paragraph), {}).get("text", "")

    def set_note(self, paragraph: int, text: str) -> None:
        """Save a paragraph's note; raises :class:`NotesSaveError` (the note is kept and saved next time)."""
        self._save("paragraph_notes", str(paragraph), {"text": text, "updated": _now()})

    def judgement(self, claim_id: str) -> dict | None:
        return self._data["judgements"].get(claim_id)

    def set_judgement(self, claim_id: str, judgement: str, reason: str) -> None:
        """Save a judgement of a claim; raises :class:`NotesSaveError` (it is kept and saved next time)."""
        if judgement not in JUDGEMENTS:
            raise ValueError(f"judgement {judgement!r}; expected one of {', '.join(JUDGEMENTS)}")
        self._save("judgements", claim_id, {"judgement": judgement, "reason": reason, "updated": _now()})

    def reader_settings(self) -> dict[str, str]:
        """The student's reader settings that this reader knows (an unknown name or value is left out)."""
        stored = self._data.get(SETTINGS_SECTION, {})
        return {
            name: stored[name]["value"]
            for name, allowed in READER_SETTINGS.items()
            if name in stored and stored[name].get("value") in allowed
        }

    def set_reader_setting(self, name: str, value: str) -> None:
        """Save one reader setting; raises :class:`NotesSaveError` (it is kept and saved next time)."""
        allowed = READER_SETTINGS.get(name)
        if allowed is None or value not in allowed:
            raise ValueError(
                f"reader setting {name}={value!r}; expected one of {', '.join(allowed or READER_SETTINGS)}"
            )
        self._save(SETTINGS_SECTION, name, {"value": value, "updated": _now()})

    def save_entries(
        self, paragraph_notes: dict[int, str] | None = None, judgements: dict[str, tuple[str, str]] | None = None
    ) -> bool:
        """Save several notes and judgements (``claim_id: (judgement, reason)``) in one write; False if none changed.

        Used to bring a class's local copy up to date from the class store. Raises :class:`NotesSaveError` like
        :meth:`set_note`.
        """
        stamp = _now()
        changes: dict[tuple[str, str], dict] = {}
        for paragraph, text in (paragraph_notes or {}).items():
            if self.note(paragraph) != text:
                changes["paragraph_notes", str(paragraph)] = {"text": text, "updated": stamp}
        for claim_id, (judgement, reason) in (judgements or {}).items():
            if judgement not in JUDGEMENTS:
                raise ValueError(f"judgement {judgement!r}; expected one of {', '.join(JUDGEMENTS)}")
            known = self.judgement(claim_id) or {}
            if (known.get("judgement"), known.get("reason")) != (judgement, reason):
                changes["judgements", claim_id] = {"judgement": judgement, "reason": reason, "updated": stamp}
        if not changes:
            return False
        self._save_changes(changes)
        return True

    @property
    def kept_in_browser(self) -> bool:
        """True in a static site: the notes live in this browser's storage only (the student must be told)."""
        folder = browser.browser_notes_folder()
        return folder is not None and self.path.parent == folder

    @property
    def unsaved(self) -> int:
        """How many changes are kept in memory only, because saving them failed."""
        return len(self._pending)

    # saving -----------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, create_folder: bool = True):
        target = resolved_target(self.path)
        if create_folder:
            target.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(target.with_name(target.name + ".lock")):
            yield

    def _save(self, section: str, key: str, value: dict) -> None:
        self._save_changes({(section, key): value})

    def _save_changes(self, changes: dict[tuple[str, str], dict]) -> None:
        """Apply the changes (and any earlier unsaved ones) to the newest file on disk and write it, under the lock."""
        for (section, key), value in changes.items():
            self._pending[section, key] = value
            self._data.setdefault(section, {})[key] = value
        try:
            with self._locked():
                data = self._read()
                for (pending_section, pending_key), pending_value in self._pending.items():
                    data.setdefault(pending_section, {})[pending_key] = pending_value
                text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
                write_atomically(self.path, text, new_file_mode=0o600)  # a student's notes are theirs
        except OSError as error:
            raise NotesSaveError(self.path, error) from error
        self._data = data
        self._pending.clear()
        self.last_saved = max(value["updated"] for value in changes.values())

    def to_json(self) -> str:
        """The notes file's content as saved (what a class store imports: ``import_notes_file``)."""
        return json.dumps(self._data, ensure_ascii=False, indent=1, sort_keys=True)

    # export -----------------------------------------------------------------------------------------------

    def to_markdown(self, edition) -> str:
        """The student's notes and judgements as Markdown, paragraph by paragraph, with the essay's words."""
        lines = [f"# My notes on “{edition.title}”", ""]
        for paragraph in edition.all_paragraphs():
            note = self.note(paragraph.number)
            judged = [
                (claim, judgement)
                for claim in paragraph.claims
                if (judgement := self.judgement(claim.claim_id)) is not None
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
        write_atomically(target, self.to_markdown(edition))
        return target
