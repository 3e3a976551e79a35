"""The student's kernel's side: the store's interface over HTTP, and notes that reach the class even when the service
is down, killed or restarted, with nothing lost and nothing sent twice."""

import json
import os

import pytest

from class_servers import ServiceProcess, ServiceThread, free_port
from reader.classroom.client import ClassNotes, DeliveryStatus, RemoteClassStore, class_files
from reader.classroom.store import (
    ClassStore,
    InvalidInput,
    NotAllowed,
    NotYetVisible,
    StoreUnavailable,
    UnknownClass,
    next_client_sequence,
)
from reader.student_notes import StudentNotes

EDITION = "khrushchevs-purges"


@pytest.fixture
def store(tmp_path):
    opened = ClassStore(tmp_path / "class.db")
    yield opened
    opened.close()


@pytest.fixture
def service(store):
    running = ServiceThread(store)
    yield running
    running.stop()


@pytest.fixture
def klass(store):
    return store.create_class(EDITION, "History 9B")


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "kernel-notes"


def test_the_remote_store_answers_as_the_store_does(store, service, klass):
    remote = RemoteClassStore(service.url)
    anna = remote.join(klass.code, "Anna")
    assert remote.student(anna.token) == store.student(anna.token)
    assert remote.save_note(anna.token, 1, "<b>note</b>", 5) is True
    assert remote.save_note(anna.token, 1, "replayed", 5) is False
    remote.save_judgement(anna.token, "c01-1", "doubtful", "why", 6)
    remote.save_progress(anna.token, 4)
    assert remote.student_state(anna.token) == store.student_state(anna.token)
    secret = klass.teacher_secret
    assert remote.summary(secret, ["c02-1"]) == store.summary(secret, ["c02-1"])
    assert remote.reasons(secret, "c01-1", show_names=True) == store.reasons(secret, "c01-1", show_names=True)
    assert remote.progress(secret) == store.progress(secret)
    assert remote.export_csv(secret) == store.export_csv(secret)
    assert remote.teacher_class(secret) == store.teacher_class(secret)
    with pytest.raises(NotYetVisible):
        remote.distribution(anna.token, "c01-1")
    remote.reveal(secret, "c01-1")
    assert remote.distribution(anna.token, "c01-1") == store.distribution(anna.token, "c01-1")
    remote.hide(secret)
    assert remote.clear_class(secret) == 1


def test_the_remote_store_raises_the_stores_errors(service, klass):
    remote = RemoteClassStore(service.url)
    anna = remote.join(klass.code, "Anna")
    with pytest.raises(UnknownClass):
        remote.join("ZZZZZZZZ" if klass.code != "ZZZZZZZZ" else "YYYYYYYY", "Anna")
    with pytest.raises(NotAllowed):
        remote.student_state("not a token")
    with pytest.raises(NotAllowed):
        remote.summary(anna.token)
    with pytest.raises(InvalidInput, match="verdict: expected one of"):
        remote.save_judgement(anna.token, "c01-1", "maybe", "", 1)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        RemoteClassStore(f"http://127.0.0.1:{free_port()}", timeout=5).student_state(anna.token)


def test_class_notes_reach_the_class_and_keep_a_copy_for_export(store, service, klass, folder, edition):
    anna = store.join(klass.code, "Anna")
    notes = ClassNotes(RemoteClassStore(service.url), anna.token, EDITION, folder=folder)
    try:
        notes.set_note(5, "Who were the seven?")
        notes.set_judgement("c05-2", "wrong", "Shepilov was a candidate")
        notes.set_progress(5)
        assert notes.flush(30)
        state = store.student_state(anna.token)
        assert state.notes == {5: "Who were the seven?"} and state.judgements["c05-2"].verdict == "wrong"
        assert state.paragraph == 5
        assert (
            notes.note(5) == "Who were the seven?" and notes.judgement("c05-2")["reason"] == "Shepilov was a candidate"
        )
        copy = StudentNotes(EDITION, notes.path)  # the student's own file, as reader.open() would read it
        assert copy.note(5) == "Who were the seven?"
        exported = notes.export_markdown(edition, folder / "mine.md").read_text(encoding="utf-8")
        assert "Who were the seven?" in exported and "Shepilov was a candidate" in exported
        assert notes.status == DeliveryStatus(pending=0, delivered=3) and notes.status.message == "Saved to the class."
    finally:
        notes.close()


def test_the_files_are_named_by_a_hash_and_never_hold_the_token(store, service, klass, folder):
    anna = store.join(klass.code, "Anna")
    notes = ClassNotes(
        RemoteClassStore(f"http://127.0.0.1:{free_port()}", timeout=2), anna.token, EDITION, folder=folder
    )
    notes.set_note(1, "waiting")
    notes.close()
    local, outbox = class_files(EDITION, anna.token, folder)
    assert (local, outbox) == (notes.path, notes.outbox_path)
    for path in (local, outbox):
        assert anna.token not in path.name and anna.token not in path.read_text(encoding="utf-8")
        assert os.name != "posix" or path.stat().st_mode & 0o777 == 0o600


def test_a_kernel_restart_finds_the_class_copy(store, service, klass, folder):
    anna = store.join(klass.code, "Anna")
    store.save_note(anna.token, 3, "written on another device", next_client_sequence())
    store.save_judgement(anna.token, "c03-1", "opinion", "elsewhere", next_client_sequence())
    notes = ClassNotes(RemoteClassStore(service.url), anna.token, EDITION, folder=folder / "a-new-kernel")
    try:
        assert notes.note(3) == "written on another device"
        assert notes.judgement("c03-1")["judgement"] == "opinion"
        assert notes.student.name == "Anna"
    finally:
        notes.close()


def test_writes_wait_in_the_outbox_while_the_service_is_down_and_are_sent_when_it_returns(store, klass, folder):
    anna = store.join(klass.code, "Anna")
    port = free_port()
    notes = ClassNotes(RemoteClassStore(f"http://127.0.0.1:{port}", timeout=2), anna.token, EDITION, folder=folder)
    for paragraph in range(1, 6):
        notes.set_note(paragraph, f"note {paragraph}")
    notes.set_note(1, "note 1, changed while offline")
    notes.set_judgement("c01-1", "doubtful", "offline")
    assert not notes.flush(2)
    status = notes.status
    assert status.pending == 6 and status.unreachable_since is not None  # one entry per note, the newest kept
    assert "cannot be reached" in status.message and "http" not in status.message and str(folder) not in status.message
    notes.close()  # the kernel stops: the outbox stays on disk
    saved = json.loads(notes.outbox_path.read_text(encoding="utf-8"))
    assert [entry["key"] for entry in saved["entries"]] == ["2", "3", "4", "5", "1", "c01-1"]
    assert store.student_state(anna.token).notes == {}

    running = _thread_on_port(store, port)
    try:
        again = ClassNotes(RemoteClassStore(running.url), anna.token, EDITION, folder=folder)
        assert again.flush(30)
        again.close()
    finally:
        running.stop()
    state = store.student_state(anna.token)
    assert state.notes == {1: "note 1, changed while offline", 2: "note 2", 3: "note 3", 4: "note 4", 5: "note 5"}
    assert state.judgements["c01-1"].reason == "offline"
    assert json.loads(notes.outbox_path.read_text(encoding="utf-8"))["entries"] == []


def _thread_on_port(store, port):
    """The service back, on the port the client was told."""
    return ServiceThread(store, port=port)


def test_a_write_refused_for_good_is_kept_aside_not_lost(store, service, klass, folder):
    anna = store.join(klass.code, "Anna")
    notes = ClassNotes(RemoteClassStore(service.url), anna.token, EDITION, folder=folder)
    try:
        notes.set_note(1, "x" * 20_001)  # longer than the class store keeps
        notes.set_note(2, "fine")
        assert notes.flush(30)
        assert notes.status.rejected == 1 and "refused" in notes.status.message
        assert notes.note(1) == "x" * 20_001  # the student's own copy has it
        rejected = json.loads(notes.outbox_path.read_text(encoding="utf-8"))["rejected"]
        assert rejected[0]["body"]["text"] == "x" * 20_001 and "at most 20000" in rejected[0]["error"]
        assert store.student_state(anna.token).notes == {2: "fine"}
    finally:
        notes.close()


def test_class_changes_do_not_overwrite_writes_still_waiting(store, klass, folder):
    anna = store.join(klass.code, "Anna")
    port = free_port()
    notes = ClassNotes(RemoteClassStore(f"http://127.0.0.1:{port}", timeout=2), anna.token, EDITION, folder=folder)
    notes.set_note(1, "typed in this kernel, not sent yet")
    notes.close()
    store.save_note(anna.token, 1, "older, from elsewhere", 1)
    store.save_note(anna.token, 2, "from elsewhere", 1)
    running = _thread_on_port(store, port)
    try:
        again = ClassNotes(RemoteClassStore(running.url), anna.token, EDITION, folder=folder, start=False)
        assert again.note(1) == "typed in this kernel, not sent yet" and again.note(2) == "from elsewhere"
        again._thread.start()
        assert again.flush(30)
        again.close()
    finally:
        running.stop()
    assert store.student_state(anna.token).notes[1] == "typed in this kernel, not sent yet"


@pytest.mark.slow
def test_the_service_killed_mid_session_loses_nothing(tmp_path, folder):
    """Three students write while the service process is killed (SIGKILL) and restarted on the same database."""
    database = tmp_path / "class.db"
    with ClassStore(database) as store_for_setup:
        klass = store_for_setup.create_class(EDITION, "History 9B")
        sessions = [store_for_setup.join(klass.code, f"student {number}") for number in range(3)]
    service = ServiceProcess(str(database))
    students = [
        ClassNotes(RemoteClassStore(service.url, timeout=2), session.token, EDITION, folder=folder / str(number))
        for number, session in enumerate(sessions)
    ]
    expected: dict[int, dict[int, str]] = {number: {} for number in range(3)}
    try:
        for step in range(60):
            for number, notes in enumerate(students):
                paragraph = step % 11 + 1
                text = f"student {number}, step {step}"
                notes.set_note(paragraph, text)
                expected[number][paragraph] = text
            if step == 20:
                service.kill()
            if step == 40:
                service.start()
        for notes in students:
            assert notes.flush(120), notes.status
    finally:
        for notes in students:
            notes.close()
        service.stop()
    with ClassStore(database) as store:
        for number, session in enumerate(sessions):
            assert store.student_state(session.token).notes == expected[number]


def test_a_notes_file_is_brought_into_the_class_and_never_replaces_newer_work(store, klass, tmp_path, folder):
    old_file = tmp_path / "old-notes.json"
    before = StudentNotes(EDITION, old_file)  # written before the class existed
    before.set_note(2, "from my own notes file")
    before.set_note(3, "older than what I typed in class")
    before.set_judgement("c02-1", "supported", "from the file")
    anna = store.join(klass.code, "Anna")
    port = free_port()
    notes = ClassNotes(RemoteClassStore(f"http://127.0.0.1:{port}", timeout=2), anna.token, EDITION, folder=folder)
    notes.set_note(3, "typed in class, still waiting")  # newer than the file's, not sent yet
    assert notes.import_notes_file(old_file) == 3
    notes.close()
    with pytest.raises(InvalidInput, match="not a notes file of this reader"):
        bad = tmp_path / "bad.json"
        bad.write_text("[]", encoding="utf-8")
        notes.import_notes_file(bad)
    running = ServiceThread(store, port=port)
    try:
        again = ClassNotes(RemoteClassStore(running.url), anna.token, EDITION, folder=folder)
        assert again.flush(30)
        again.close()
    finally:
        running.stop()
    state = store.student_state(anna.token)
    assert state.notes == {2: "from my own notes file", 3: "typed in class, still waiting"}
    assert state.judgements["c02-1"].reason == "from the file"


def test_the_status_is_told_to_whoever_listens(store, service, klass, folder):
    anna = store.join(klass.code, "Anna")
    notes = ClassNotes(RemoteClassStore(service.url), anna.token, EDITION, folder=folder)
    seen: list[DeliveryStatus] = []
    notes.on_status(seen.append)
    notes.on_status(lambda status: 1 / 0)  # a broken view does not stop the sending
    try:
        notes.set_note(1, "x")
        assert notes.flush(30)
    finally:
        notes.close()
    assert seen[0].pending == 1 and seen[-1] == DeliveryStatus(pending=0, delivered=1)
    assert repr(notes) == f"<ClassNotes {EDITION}: Saved to the class.>"
