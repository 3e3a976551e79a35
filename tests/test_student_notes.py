"""A student's notes are never lost: atomic saves, two writers at once, a killed process, a corrupt file."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from reader.student_notes import StudentNotes


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


def test_default_location_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("READER_NOTES_DIR", str(tmp_path / "elsewhere"))
    StudentNotes("khrushchevs-purges").set_note(1, "x")
    assert (tmp_path / "elsewhere" / "khrushchevs-purges.json").is_file()


def test_a_failed_save_leaves_the_previous_file(notes_path, monkeypatch):
    notes = StudentNotes("khrushchevs-purges", notes_path)
    notes.set_note(1, "kept")
    before = notes_path.read_bytes()

    def crash(*arguments):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        notes.set_note(1, "lost in the crash")
    assert notes_path.read_bytes() == before
    assert [path.name for path in notes_path.parent.iterdir() if path.suffix == ".tmp"] == []


def _write_forever(path: str) -> None:
    notes = StudentNotes("khrushchevs-purges", path)
    number = 0
    while True:
        number += 1
        notes.set_note(number % 11 + 1, "word " * (number % 500))


def test_killing_a_process_in_the_middle_of_saving_never_leaves_a_broken_file(notes_path):
    StudentNotes("khrushchevs-purges", notes_path).set_note(3, "written before")
    for _ in range(8):
        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from test_student_notes import _write_forever; _write_forever(sys.argv[1])",
                str(notes_path),
            ],
            cwd=os.path.dirname(__file__),
        )
        time.sleep(0.4)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        data = json.loads(notes_path.read_text(encoding="utf-8"))  # always a whole file
        assert "paragraph_notes" in data
    assert StudentNotes("khrushchevs-purges", notes_path).warnings == []


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


def test_a_file_of_another_shape_is_set_aside(notes_path):
    notes_path.parent.mkdir(parents=True)
    notes_path.write_text("[1, 2, 3]", encoding="utf-8")
    with pytest.warns(UserWarning):
        notes = StudentNotes("khrushchevs-purges", notes_path)
    assert notes.warnings and "kept as" in notes.warnings[0]


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
