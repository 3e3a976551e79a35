"""A student's notes are never lost: atomic saves, two writers at once, a killed process, a corrupt file."""

import importlib.util
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

import reader
from reader import atomic_files
from reader.student_notes import NotesSaveError, StudentNotes

KILL_WAIT_SECONDS = 60  # a child's start on a loaded 2-core machine


@pytest.fixture
def notes_path(tmp_path):
    return tmp_path / "notes" / "khrushchevs-purges.json"


def test_notes_survive_a_new_session(notes_path):
    StudentNotes("khrushchevs-purges", notes_path).set_note(5, "Who were the seven?")
    StudentNotes("khrushchevs-purges", notes_path).set_judgement("c05-2", "wrong", "Shepilov was a candidate")
    again = StudentNotes("khrushchevs-purges", notes_path)  # a restarted kernel, a reloaded page
    assert again.note(5) == "Who were the seven?"
    assert again.judgement("c05-2")["judgement"] == "wrong"
    assert json.loads(notes_path.read_text(encoding="utf-8"))["paragraph_notes"]["5"]["text"] == "Who were the seven?"


def test_a_new_notes_file_is_private(notes_path):
    StudentNotes("khrushchevs-purges", notes_path).set_note(1, "mine")
    assert notes_path.stat().st_mode & 0o777 == 0o600


def test_default_location_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("READER_NOTES_DIR", str(tmp_path / "elsewhere"))
    StudentNotes("khrushchevs-purges").set_note(1, "x")
    assert (tmp_path / "elsewhere" / "khrushchevs-purges.json").is_file()


def test_a_failed_save_leaves_the_previous_file_and_keeps_the_change(notes_path, monkeypatch):
    notes = StudentNotes("khrushchevs-purges", notes_path)
    notes.set_note(1, "kept")
    before = notes_path.read_bytes()

    def disk_full(*arguments):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(NotesSaveError) as raised:
        notes.set_note(1, "typed while the disk was full")
    message = str(raised.value)
    assert "\n" not in message and str(notes_path) in message and "No space left on device" in message
    assert raised.value.filename == str(notes_path)
    assert notes_path.read_bytes() == before
    assert atomic_files.temporaries(notes_path) == []
    assert notes.note(1) == "typed while the disk was full", "what the student typed stays"
    assert notes.unsaved == 1
    monkeypatch.undo()
    notes.set_note(2, "the next change")  # the next save that succeeds writes the earlier change too
    again = StudentNotes("khrushchevs-purges", notes_path)
    assert (again.note(1), again.note(2)) == ("typed while the disk was full", "the next change")
    assert notes.unsaved == 0


def test_a_notes_folder_that_is_a_file_gives_one_line_and_loses_nothing(notes_path):
    notes_path.parent.write_text("not a folder", encoding="utf-8")
    notes = StudentNotes("khrushchevs-purges", notes_path)  # opening works
    with pytest.raises(NotesSaveError, match=r"^Your notes could not be saved to .*khrushchevs-purges\.json: "):
        notes.set_judgement("c05-2", "wrong", "Shepilov was a candidate")
    assert notes.judgement("c05-2")["reason"] == "Shepilov was a candidate"
    notes_path.parent.unlink()
    notes.set_note(3, "now it works")
    again = StudentNotes("khrushchevs-purges", notes_path)
    assert again.judgement("c05-2")["judgement"] == "wrong" and again.note(3) == "now it works"


def _hook_and_write(path: str, signal_path: str, point: str, stop_at_save: int) -> None:
    """Save notes 1, 2, ... and stop, inside save ``stop_at_save``, at ``point`` of the atomic write, after saying so.

    ``before-sync``: the temporary file is written but not yet flushed to disk; ``before-rename``: it is complete and
    about to replace the notes file. The parent kills the process there: a write is provably under way.
    """
    real_os = atomic_files.os
    hooked = types.SimpleNamespace(**{name: getattr(real_os, name) for name in dir(real_os)})
    saves_started = 0

    def pause_in_save(real):
        def hooked_call(*arguments):
            if saves_started == stop_at_save:
                said = Path(signal_path + ".part")  # renamed, so the parent never reads it half written
                said.write_text(f"{point} in save {saves_started}", encoding="utf-8")
                os.replace(said, signal_path)
                time.sleep(600)  # killed here
            return real(*arguments)

        return hooked_call

    if point == "before-rename":
        hooked.replace = pause_in_save(real_os.replace)
    else:
        real_fsync = real_os.fsync
        synced = []

        def fsync_of_temporary(descriptor):  # the first fsync of a save is the temporary file's
            synced.append(descriptor)
            if len(synced) == 2 * saves_started - 1:
                return pause_in_save(real_fsync)(descriptor)
            return real_fsync(descriptor)

        hooked.fsync = fsync_of_temporary
    atomic_files.os = hooked
    notes = StudentNotes("khrushchevs-purges", path)
    for number in range(1, stop_at_save + 1):
        saves_started = number
        notes.set_note(number, f"save {number} " + "word " * (number * 97 % 500))


@pytest.mark.parametrize("point", ["before-sync", "before-rename"])
def test_killing_a_process_in_the_middle_of_saving_never_leaves_a_broken_file(notes_path, tmp_path, point):
    StudentNotes("khrushchevs-purges", notes_path).set_note(20, "written before")
    for stop_at_save in (1, 2, 5):
        signal_path = tmp_path / f"under-way-{point}-{stop_at_save}"
        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from test_student_notes import _hook_and_write;"
                " _hook_and_write(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))",
                str(notes_path),
                str(signal_path),
                point,
                str(stop_at_save),
            ],
            cwd=os.path.dirname(__file__),
        )
        try:
            deadline = time.monotonic() + KILL_WAIT_SECONDS
            while not signal_path.exists():
                assert writer.poll() is None, "the writer ended before reaching the point of the kill"
                assert time.monotonic() < deadline, "the writer never reached the point of the kill"
                time.sleep(0.05)
            assert signal_path.read_text(encoding="utf-8") == f"{point} in save {stop_at_save}"
            under_way = atomic_files.temporaries(notes_path)
            assert len(under_way) == 1, "the save's temporary file is there: a write is under way"
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=KILL_WAIT_SECONDS)
        data = json.loads(notes_path.read_text(encoding="utf-8"))  # always a whole file: the one before the save
        assert data["paragraph_notes"]["20"]["text"] == "written before"
        assert str(stop_at_save) not in data["paragraph_notes"], "the killed save did not land"
        if stop_at_save > 1:
            assert data["paragraph_notes"][str(stop_at_save - 1)]["text"].startswith(f"save {stop_at_save - 1} ")
        assert atomic_files.temporaries(notes_path) == under_way, "the killed writer left its temporary file"
        reopened = StudentNotes("khrushchevs-purges", notes_path)  # the next session cleans up
        assert reopened.warnings == []
        assert atomic_files.temporaries(notes_path) == []
    assert sorted(path.name for path in notes_path.parent.iterdir()) == [notes_path.name, notes_path.name + ".lock"]


def test_stale_temporary_files_are_removed_and_live_ones_kept(notes_path):
    notes_path.parent.mkdir(parents=True)
    prefix = atomic_files.temporary_prefix(notes_path)
    dead_writer = notes_path.parent / f"{prefix}999999999.abc123.tmp"  # no such process
    old_unknown = notes_path.parent / f"{prefix}k2j4h5.tmp"  # the pattern before writers were named
    fresh_unknown = notes_path.parent / f"{prefix}q9w8e7.tmp"
    live_writer = notes_path.parent / f"{prefix}{os.getpid()}.def456.tmp"
    other_file = notes_path.parent / f".other.json.{prefix}999999999.x.tmp"
    for path in (dead_writer, old_unknown, fresh_unknown, live_writer, other_file):
        path.write_text("{", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(old_unknown, (an_hour_ago, an_hour_ago))
    StudentNotes("khrushchevs-purges", notes_path)
    assert sorted(path.name for path in atomic_files.temporaries(notes_path)) == sorted(
        [fresh_unknown.name, live_writer.name]
    )
    assert other_file.exists()


def test_the_lock_is_taken_without_fcntl_as_on_windows(monkeypatch, tmp_path):
    """On Windows there is no fcntl: the helper module imports and locks with msvcrt (simulated here)."""
    calls = []
    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_LOCK, msvcrt.LK_UNLCK = 1, 0
    msvcrt.locking = lambda descriptor, mode, length: calls.append((mode, length, os.lseek(descriptor, 0, 1)))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "fcntl", None)  # `import fcntl` raises ImportError, as on Windows
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)
    specification = importlib.util.spec_from_file_location("atomic_files_on_windows", atomic_files.__file__)
    on_windows = importlib.util.module_from_spec(specification)
    specification.loader.exec_module(on_windows)
    assert on_windows.msvcrt is msvcrt and not hasattr(on_windows, "fcntl")
    with on_windows.exclusive_lock(tmp_path / "notes.json.lock"):
        calls.append("inside")
    assert calls == [(msvcrt.LK_LOCK, 1, 0), "inside", (msvcrt.LK_UNLCK, 1, 0)]


def test_notes_import_and_save_without_fcntl(tmp_path):
    """A fresh interpreter that says it is Windows and has no fcntl: the notes module imports, locks and saves."""
    script = (
        "import sys, types\n"
        "import reader\n"  # the package itself, as on any platform
        "sys.platform = 'win32'\n"
        "sys.modules['fcntl'] = None\n"
        "sys.modules.pop('reader.atomic_files', None)\n"
        "locked = []\n"
        "msvcrt = types.ModuleType('msvcrt'); msvcrt.LK_LOCK, msvcrt.LK_UNLCK = 1, 0\n"
        "msvcrt.locking = lambda descriptor, mode, length: locked.append(mode)\n"
        "sys.modules['msvcrt'] = msvcrt\n"
        "from reader.student_notes import StudentNotes\n"
        "StudentNotes('e', sys.argv[1]).set_note(1, 'saved without fcntl')\n"
        "print(StudentNotes('e', sys.argv[1]).note(1), locked)\n"
    )
    notes_file = tmp_path / "e.json"
    result = subprocess.run(
        [sys.executable, "-c", script, str(notes_file)], capture_output=True, text=True, timeout=KILL_WAIT_SECONDS
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "saved without fcntl [1, 0, 1, 0, 1, 0]\n", "locked at saving and at each opening after"


def _write_many(path: str, first: int, count: int) -> None:
    notes = StudentNotes("khrushchevs-purges", path)
    for number in range(first, first + count):
        notes.set_judgement(f"c{number:03d}-1", "doubtful", f"writer from {first}")


def test_two_kernels_writing_at_once_lose_nothing(notes_path):
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(notes_path), first, 40)) for first in (0, 500)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    judgements = json.loads(notes_path.read_text(encoding="utf-8"))["judgements"]
    assert len(judgements) == 80


def test_a_corrupt_file_is_set_aside_with_a_warning(notes_path):
    notes_path.parent.mkdir(parents=True)
    notes_path.write_text('{"paragraph_notes": {"1": {"text": "half a fi', encoding="utf-8")
    with pytest.warns(UserWarning, match="could not be read"):
        notes = StudentNotes("khrushchevs-purges", notes_path)
    kept = [path for path in notes_path.parent.iterdir() if ".unreadable-" in path.name]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8").endswith("half a fi")
    assert notes.note(1) == ""
    notes.set_note(1, "a fresh start")
    assert StudentNotes("khrushchevs-purges", notes_path).note(1) == "a fresh start"
    assert kept[0].exists(), "the unreadable file is never overwritten"


VALID_NOTE = {"text": "x", "updated": "2026-12-01T10:00:00+00:00"}
VALID_JUDGEMENT = {"judgement": "wrong", "reason": "", "updated": "2026-12-01T10:00:00+00:00"}


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[1, 2, 3]", "expected an object with paragraph_notes and judgements, found list"),
        ('{"paragraph_notes": {"1": "x"}}', "expected the key judgements"),
        ('{"text": 5}', "expected the keys paragraph_notes and judgements"),
        (json.dumps({"paragraph_notes": [], "judgements": {}}), "paragraph_notes: expected an object"),
        (json.dumps({"paragraph_notes": {"1": "x"}, "judgements": {}}), "paragraph_notes['1']: expected an object"),
        (json.dumps({"paragraph_notes": {"1": {"text": 5}}, "judgements": {}}), "text: expected text, found int"),
        (json.dumps({"paragraph_notes": {"1": {}}, "judgements": {}}), "paragraph_notes['1']: text missing"),
        (json.dumps({"paragraph_notes": {"one": VALID_NOTE}, "judgements": {}}), "'one' is not a paragraph number"),
        (
            json.dumps({"paragraph_notes": {"1": {**VALID_NOTE, "updated": 5}}, "judgements": {}}),
            "updated: expected text",
        ),
        (json.dumps({"paragraph_notes": {}, "judgements": {"c01-1": "wrong"}}), "judgements['c01-1']: expected an"),
        (
            json.dumps({"paragraph_notes": {}, "judgements": {"c01-1": {**VALID_JUDGEMENT, "judgement": "maybe"}}}),
            "judgement 'maybe' is not one of supported, doubtful, wrong, opinion",
        ),
        (json.dumps({"paragraph_notes": {}, "judgements": {"c01-1": {"judgement": "wrong"}}}), "reason missing"),
        (
            json.dumps({"paragraph_notes": {}, "judgements": {"c01-1": {**VALID_JUDGEMENT, "reason": None}}}),
            "reason: expected text, found NoneType",
        ),
        (json.dumps({"format": 2, "paragraph_notes": {}, "judgements": {}}), "format 2 is not the one"),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ],
)
def test_a_file_of_another_shape_is_set_aside_and_the_app_opens(notes_path, content, problem):
    notes_path.parent.mkdir(parents=True)
    notes_path.write_text(content, encoding="utf-8")
    with pytest.warns(UserWarning, match="could not be read"):
        app = reader.open(notes_file=notes_path)
    assert app.notes.warnings and app.notes.note(1) == "", "the app opened, with the warning and empty notes"
    kept = [path for path in notes_path.parent.iterdir() if ".unreadable-" in path.name]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == content
    assert not notes_path.exists(), "the file was set aside, not left to be overwritten"
    again = StudentNotes("khrushchevs-purges", notes_path)
    again.set_note(1, "a fresh start")
    assert StudentNotes("khrushchevs-purges", notes_path).note(1) == "a fresh start"
    with pytest.warns(UserWarning, match="could not be read") as recorded:
        notes_path.write_text(content, encoding="utf-8")
        notes = StudentNotes("khrushchevs-purges", notes_path)
    assert problem in str(recorded[0].message) and notes.warnings and "kept as" in notes.warnings[0]


def test_a_valid_file_is_not_set_aside(notes_path):
    notes_path.parent.mkdir(parents=True)
    content = {"format": 1, "edition": "e", "paragraph_notes": {"1": VALID_NOTE}, "judgements": {"c": VALID_JUDGEMENT}}
    notes_path.write_text(json.dumps(content), encoding="utf-8")
    notes = StudentNotes("khrushchevs-purges", notes_path)
    assert notes.warnings == [] and notes.note(1) == "x" and notes.judgement("c")["judgement"] == "wrong"


def test_a_notes_file_that_is_a_link_is_written_through(notes_path, tmp_path):
    """The link stays a link; the file it points to (in another folder) is replaced atomically."""
    synced = tmp_path / "synced-folder" / "my-notes.json"
    synced.parent.mkdir()
    notes_path.parent.mkdir(parents=True)
    StudentNotes("khrushchevs-purges", synced).set_note(1, "written before the link")
    notes_path.symlink_to(synced)
    notes = StudentNotes("khrushchevs-purges", notes_path)
    assert notes.note(1) == "written before the link"
    notes.set_note(2, "written through the link")
    assert notes_path.is_symlink() and notes_path.resolve() == synced
    assert json.loads(synced.read_text(encoding="utf-8"))["paragraph_notes"]["2"]["text"] == "written through the link"
    assert sorted(path.name for path in notes_path.parent.iterdir()) == [notes_path.name]
    assert sorted(path.name for path in synced.parent.iterdir()) == ["my-notes.json", "my-notes.json.lock"]


def test_unknown_judgement_is_refused(notes_path):
    with pytest.raises(ValueError, match="expected one of supported, doubtful, wrong, opinion"):
        StudentNotes("khrushchevs-purges", notes_path).set_judgement("c01-1", "true", "")


def test_export_to_markdown(notes_path, edition):
    notes = StudentNotes("khrushchevs-purges", notes_path)
    notes.set_note(2, "Check the CIA report's date.")
    claim = edition.paragraph(5).claims[0]
    notes.set_judgement(claim.claim_id, "doubtful", "needs a source")
    path = notes.export_markdown(edition)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# My notes on “{edition.title}”")
    assert "## ¶2" in text and "Check the CIA report's date." in text and edition.paragraph(2).text in text
    assert (
        f"“{claim.quote}” — my judgement: **doubtful** (needs a source); the edition's verdict: {claim.verdict}."
        in text
    )
    assert "## ¶1" not in text


def test_reader_settings_are_kept_with_the_notes(notes_path):
    notes = StudentNotes("khrushchevs-purges", notes_path)
    assert notes.reader_settings() == {}, "an older file has no settings: the defaults apply"
    notes.set_note(2, "kept beside the settings")
    notes.set_reader_setting("theme", "dark")
    notes.set_reader_setting("text_size", "larger")
    again = StudentNotes("khrushchevs-purges", notes_path)
    assert again.reader_settings() == {"theme": "dark", "text_size": "larger"}
    assert again.note(2) == "kept beside the settings"
    with pytest.raises(ValueError, match="expected one of default, high-contrast, dark"):
        again.set_reader_setting("theme", "neon")
    with pytest.raises(ValueError, match="reader setting colour"):
        again.set_reader_setting("colour", "dark")


def test_a_settings_section_of_another_shape_is_set_aside(notes_path):
    notes_path.parent.mkdir(parents=True, exist_ok=True)
    notes_path.write_text(
        json.dumps({"format": 1, "paragraph_notes": {}, "judgements": {}, "reader_settings": {"theme": "dark"}})
    )
    with pytest.warns(UserWarning, match=r"reader_settings\['theme'\]: expected an object"):
        notes = StudentNotes("khrushchevs-purges", notes_path)
    assert notes.reader_settings() == {}


def test_several_entries_are_saved_in_one_write_and_unchanged_ones_not_at_all(notes_path, monkeypatch):
    notes = StudentNotes("khrushchevs-purges", notes_path)
    notes.set_note(1, "kept")
    writes = []
    original = atomic_files.write_atomically
    monkeypatch.setattr("reader.student_notes.write_atomically", lambda *a, **k: writes.append(a) or original(*a, **k))
    assert notes.save_entries({1: "kept", 2: "from the class"}, {"c02-1": ("doubtful", "why")}) is True
    assert len(writes) == 1
    assert notes.save_entries({1: "kept", 2: "from the class"}, {"c02-1": ("doubtful", "why")}) is False
    assert len(writes) == 1
    again = StudentNotes("khrushchevs-purges", notes_path)
    assert (again.note(1), again.note(2), again.judgement("c02-1")["reason"]) == ("kept", "from the class", "why")
    with pytest.raises(ValueError, match="expected one of"):
        notes.save_entries(judgements={"c02-1": ("maybe", "")})
