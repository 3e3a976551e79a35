"""The class store, on SQLite and on a real PostgreSQL server: who may read and write what, replays, the schema's
versions and upgrade, the teacher's aggregates, CSV export, clearing a class, today's notes files."""

import csv
import io
import json
import re
import secrets

import pytest
import sqlalchemy as sa

from reader.classroom import store as store_module
from reader.classroom.store import (
    CODE_ALPHABET,
    CODE_LENGTH,
    SCHEMA_VERSION,
    ClassStore,
    InvalidInput,
    NotAllowed,
    NotYetVisible,
    StoreUnavailable,
    UnknownClass,
    create_schema,
    format_code,
    hash_secret,
    make_engine,
    next_client_sequence,
    sequence_of_time,
)
from reader.student_notes import StudentNotes

PAYLOADS = [
    "Robert'); DROP TABLE students;--",
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script> & &amp; \"quoted\"",
    '=HYPERLINK("http://example.invalid","click")',
    "\u202ereversed\u202c and 🙂 and кириллица",
    "line one\nline two\r\nline three\ttab",
    "%s %(name)s {0} ${x} \\x00",
]


@pytest.fixture
def store(database_url):
    opened = ClassStore(database_url)
    yield opened
    opened.close()


@pytest.fixture
def klass(store):
    return store.create_class("khrushchevs-purges", "History 9B")


# --- identities --------------------------------------------------------------------------------------------------


def test_class_codes_come_from_an_unambiguous_alphabet_of_31_signs(store, klass):
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 31
    assert not set("IL01O") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 8.5e11
    codes = {store.create_class("khrushchevs-purges", f"class {number}").code for number in range(50)}
    assert len(codes) == 50 and all(re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", code) for code in codes)


def test_secrets_are_192_bits_and_stored_only_as_hashes(store, klass):
    student = store.join(klass.code, "Anna")
    for secret in (klass.teacher_secret, student.token):
        assert len(secret) == 32  # 24 bytes, URL-safe base64
    with store.engine.connect() as connection:
        dumped = "\n".join(
            repr(row) for table in store.tables.values() for row in connection.execute(sa.select(table)).all()
        )
    assert klass.teacher_secret not in dumped and student.token not in dumped
    assert hash_secret(klass.teacher_secret) in dumped and hash_secret(student.token) in dumped


def test_joining_with_the_code_as_typed(store, klass):
    typed = format_code(klass.code).lower()  # "abcd-efgh", as copied from the teacher's screen
    assert store.join(f"  {typed} ", "Anna").class_id == klass.class_id


def test_the_same_name_twice_is_two_students_unless_the_token_is_presented(store, klass):
    first = store.join(klass.code, "Anna")
    second = store.join(klass.code, "Anna")
    assert first.student_id != second.student_id and first.token != second.token
    store.save_note(first.token, 1, "first Anna's note", next_client_sequence())
    assert store.student_state(second.token).notes == {}
    again = store.join(klass.code, "Anna K.", token=first.token)
    assert (again.student_id, again.token) == (first.student_id, first.token)
    assert store.student(first.token).name == "Anna K."
    assert store.student_state(first.token).notes == {1: "first Anna's note"}


def test_a_token_of_another_class_does_not_carry_over(store, klass):
    other = store.create_class("khrushchevs-purges", "History 9C")
    anna = store.join(klass.code, "Anna")
    elsewhere = store.join(other.code, "Anna", token=anna.token)
    assert elsewhere.student_id != anna.student_id and elsewhere.class_id == other.class_id


def test_unknown_and_guessed_codes_are_refused(store, klass):
    with pytest.raises(UnknownClass):
        store.join("AAAA-AAAA" if klass.code != "AAAAAAAA" else "BBBBBBBB", "Mallory")
    guesses = {"".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(300)} - {klass.code}
    found = 0
    for guess in guesses:
        try:
            store.join(guess, "Mallory")
            found += 1
        except UnknownClass as error:
            assert "no class has this code" in str(error)
    assert found == 0
    with pytest.raises(UnknownClass):
        store.join("x" * 1000, "Mallory")


def test_hub_users_are_one_student_each_with_a_new_token_per_login(store, klass):
    first = store.hub_student(klass.class_id, "anna")
    second = store.hub_student(klass.class_id, "anna")
    assert first.student_id == second.student_id and first.token != second.token
    store.save_note(first.token, 2, "from the first login", next_client_sequence())
    assert store.student_state(second.token).notes == {2: "from the first login"}
    assert store.hub_student(klass.class_id, "boris").student_id != first.student_id
    with pytest.raises(UnknownClass):
        store.hub_student(klass.class_id + 1000, "anna")


def test_unknown_tokens_and_secrets_are_refused(store, klass):
    anna = store.join(klass.code, "Anna")
    for call in (
        lambda: store.student("not-a-token"),
        lambda: store.student_state(""),
        lambda: store.save_note("x" * 32, 1, "forged", 1),
        lambda: store.summary(anna.token),  # a student's token is not a teacher secret
        lambda: store.export_csv(anna.token),
        lambda: store.clear_class(anna.token),
        lambda: store.reveal(anna.token, "c01-1"),
        lambda: store.reasons(anna.token, "c01-1"),
        lambda: store.progress(anna.token),
        lambda: store.student_state(klass.teacher_secret),  # and the teacher's secret is no student token
        lambda: store.student_state(None),
    ):
        with pytest.raises(NotAllowed):
            call()


# --- a student's own work ----------------------------------------------------------------------------------------


def test_a_student_reads_only_their_own_notes_and_judgements(store, klass):
    anna, boris = store.join(klass.code, "Anna"), store.join(klass.code, "Boris")
    store.save_note(anna.token, 1, "Anna's private note", next_client_sequence())
    store.save_judgement(anna.token, "c01-1", "wrong", "Anna's reason", next_client_sequence())
    store.save_progress(anna.token, 4)
    state = store.student_state(boris.token)
    assert state.notes == {} and state.judgements == {} and state.paragraph is None
    assert store.student_state(anna.token).judgements["c01-1"].reason == "Anna's reason"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sql_and_html_payloads_are_stored_and_returned_literally(store, klass, payload):
    student = store.join(klass.code, payload[:80])
    store.save_note(student.token, 3, payload, next_client_sequence())
    store.save_judgement(student.token, "c03-1", "opinion", payload, next_client_sequence())
    state = store.student_state(student.token)
    assert state.student.name == payload[:80].strip()
    assert state.notes[3] == payload and state.judgements["c03-1"].reason == payload
    assert [reason.reason for reason in store.reasons(klass.teacher_secret, "c03-1")] == [payload]
    assert store.summary(klass.teacher_secret).students == 1  # no table was dropped


def test_replayed_and_late_writes_change_nothing(store, klass):
    anna = store.join(klass.code, "Anna")
    first, second = next_client_sequence(), next_client_sequence()
    assert store.save_note(anna.token, 1, "second version", second) is True
    assert store.save_note(anna.token, 1, "second version", second) is False  # the same request again
    assert store.save_note(anna.token, 1, "first version, arriving late", first) is False
    assert store.student_state(anna.token).notes == {1: "second version"}
    assert store.save_judgement(anna.token, "c01-1", "wrong", "later", second) is True
    assert store.save_judgement(anna.token, "c01-1", "supported", "earlier", first) is False
    assert store.student_state(anna.token).judgements["c01-1"].verdict == "wrong"


def test_progress_keeps_the_current_and_the_furthest_paragraph(store, klass):
    anna = store.join(klass.code, "Anna")
    for paragraph in (1, 2, 5, 3):
        store.save_progress(anna.token, paragraph)
    state = store.student_state(anna.token)
    assert (state.paragraph, state.furthest) == (3, 5)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda s, t: s.save_note(t, 0, "x", 1), "paragraph: expected a paragraph number"),
        (lambda s, t: s.save_note(t, "1", "x", 1), "paragraph: expected a paragraph number"),
        (lambda s, t: s.save_note(t, 1, None, 1), "note: expected text"),
        (lambda s, t: s.save_note(t, 1, "x" * 20_001, 1), "note: 20001 characters; at most 20000"),
        (lambda s, t: s.save_note(t, 1, "nul \x00 byte", 1), "NUL"),
        (lambda s, t: s.save_note(t, 1, "x", 0), "client_seq: expected a positive whole number"),
        (lambda s, t: s.save_note(t, 1, "x", True), "client_seq"),
        (lambda s, t: s.save_judgement(t, "c01-1", "maybe", "", 1), "verdict: expected one of supported"),
        (lambda s, t: s.save_judgement(t, "' OR 1=1 --", "wrong", "", 1), "claim_id: expected a claim id"),
        (lambda s, t: s.save_judgement(t, "c01-1", "wrong", "r" * 5001, 1), "reason: 5001 characters"),
        (lambda s, t: s.save_progress(t, -3), "paragraph"),
    ],
)
def test_bad_input_is_one_clear_line(store, klass, call, expected):
    anna = store.join(klass.code, "Anna")
    with pytest.raises(InvalidInput) as raised:
        call(store, anna.token)
    assert expected in str(raised.value) and "\n" not in str(raised.value)


def test_a_name_is_needed_and_kept_short(store, klass):
    for name in ("", "   ", "x" * 81):
        with pytest.raises(InvalidInput):
            store.join(klass.code, name)


# --- the teacher -------------------------------------------------------------------------------------------------


def judged_class(store, klass):
    """Three students: two judge c01-1 wrong, one doubtful; one judges c02-1."""
    students = [store.join(klass.code, name) for name in ("Anna", "Boris", "Chen")]
    verdicts = [("wrong", "the dates differ"), ("wrong", "no source"), ("doubtful", "")]
    for student, (verdict, reason) in zip(students, verdicts, strict=True):
        store.save_judgement(student.token, "c01-1", verdict, reason, next_client_sequence())
    store.save_judgement(students[0].token, "c02-1", "supported", "it is in the record", next_client_sequence())
    return students


def test_the_summary_counts_verdicts_per_claim(store, klass):
    judged_class(store, klass)
    summary = store.summary(klass.teacher_secret, ["c01-1", "c09-9"])
    assert summary.students == 3 and summary.record.code == klass.code
    assert summary.claims["c01-1"].counts == {"supported": 0, "doubtful": 1, "wrong": 2, "opinion": 0}
    assert summary.claims["c01-1"].judged == 3
    assert summary.claims["c02-1"].judged == 1  # judged, though not asked for
    assert summary.claims["c09-9"].judged == 0  # asked for, though nobody judged it
    assert not any(claim.revealed for claim in summary.claims.values())


def test_a_teacher_sees_only_their_own_class(store, klass):
    judged_class(store, klass)
    other = store.create_class("khrushchevs-purges", "History 9C")
    assert store.summary(other.teacher_secret).claims == {}
    assert store.progress(other.teacher_secret) == []
    assert store.reasons(other.teacher_secret, "c01-1") == []


def test_reasons_hide_names_unless_asked(store, klass):
    judged_class(store, klass)
    hidden = store.reasons(klass.teacher_secret, "c01-1")
    assert [reason.name for reason in hidden] == [None, None, None]
    assert {reason.reason for reason in hidden} == {"the dates differ", "no source", ""}
    shown = store.reasons(klass.teacher_secret, "c01-1", show_names=True)
    assert sorted(reason.name for reason in shown) == ["Anna", "Boris", "Chen"]


def test_progress_lists_every_student(store, klass):
    anna, boris, chen = judged_class(store, klass)
    store.save_progress(anna.token, 7)
    store.save_note(anna.token, 7, "note", next_client_sequence())
    rows = {row.name: row for row in store.progress(klass.teacher_secret)}
    assert (rows["Anna"].paragraph, rows["Anna"].notes, rows["Anna"].judgements) == (7, 1, 2)
    assert (rows["Chen"].paragraph, rows["Chen"].notes, rows["Chen"].judgements) == (None, 0, 1)


def test_the_distribution_needs_a_reveal_and_the_students_own_judgement(store, klass):
    anna, boris, chen = judged_class(store, klass)
    dana = store.join(klass.code, "Dana")  # has judged nothing
    with pytest.raises(NotYetVisible, match="not revealed"):
        store.distribution(anna.token, "c01-1")
    store.reveal(klass.teacher_secret, "c01-1")
    seen = store.distribution(anna.token, "c01-1")
    assert (seen.counts["wrong"], seen.judged, seen.own_verdict) == (2, 3, "wrong")
    with pytest.raises(NotYetVisible, match="judge this claim yourself first"):
        store.distribution(dana.token, "c01-1")
    with pytest.raises(NotYetVisible, match="not revealed"):
        store.distribution(anna.token, "c02-1")
    assert store.student_state(anna.token).revealed == {"c01-1"}
    store.hide(klass.teacher_secret, "c01-1")
    with pytest.raises(NotYetVisible):
        store.distribution(anna.token, "c01-1")


def test_reveal_all_and_hide_one(store, klass):
    anna, *_ = judged_class(store, klass)
    store.reveal(klass.teacher_secret)
    assert store.student_state(anna.token).revealed == {"c01-1", "c02-1"}
    store.hide(klass.teacher_secret, "c02-1")
    assert store.student_state(anna.token).revealed == {"c01-1"}
    assert {claim: summary.revealed for claim, summary in store.summary(klass.teacher_secret).claims.items()} == {
        "c01-1": True,
        "c02-1": False,
    }
    store.hide(klass.teacher_secret)
    assert store.student_state(anna.token).revealed == frozenset()


def test_export_is_csv_that_a_spreadsheet_shows_as_text(store, klass):
    student = store.join(klass.code, "=cmd|' /C calc'!A0")
    dangerous = ["=1+1", "+1", "-1", "@SUM(A1)", "\tstarts with a tab", "\rstarts with CR", "plain, with a comma"]
    for paragraph, text in enumerate(dangerous, start=1):
        store.save_note(student.token, paragraph, text, next_client_sequence())
    store.save_judgement(student.token, "c01-1", "wrong", '=HYPERLINK("x")', next_client_sequence())
    rows = list(csv.DictReader(io.StringIO(store.export_csv(klass.teacher_secret))))
    assert len(rows) == len(dangerous) + 1
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    notes = [row["text"] for row in rows if row["kind"] == "note"]
    assert notes == ["'" + text if text[0] in "=+-@\t\r" else text for text in dangerous]
    assert rows[0]["student"] == "'=cmd|' /C calc'!A0"
    judgement = [row for row in rows if row["kind"] == "judgement"][0]
    assert (judgement["claim_id"], judgement["verdict"], judgement["text"]) == ("c01-1", "wrong", '\'=HYPERLINK("x")')


def test_clearing_a_class_deletes_every_students_work(store, klass):
    anna, *_ = judged_class(store, klass)
    store.save_note(anna.token, 1, "note", next_client_sequence())
    store.save_progress(anna.token, 2)
    store.reveal(klass.teacher_secret)
    other = store.create_class("khrushchevs-purges", "History 9C")
    kept = store.join(other.code, "Zoe")
    store.save_note(kept.token, 1, "another class's note", next_client_sequence())
    assert store.clear_class(klass.teacher_secret) == 3
    with pytest.raises(NotAllowed):
        store.student_state(anna.token)
    assert store.summary(klass.teacher_secret).students == 0
    assert store.summary(klass.teacher_secret).claims == {}
    assert store.export_csv(klass.teacher_secret).count("\n") == 1  # the header only
    with store.engine.connect() as connection:
        for table in ("notes", "judgements", "progress", "tokens"):
            count = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            assert count == (1 if table in ("notes", "tokens") else 0), table
    assert store.student_state(kept.token).notes == {1: "another class's note"}
    assert store.join(klass.code, "Anna again").class_id == klass.class_id  # the class itself stays


def test_deleting_a_class_ends_its_code_and_secret(store, klass):
    judged_class(store, klass)
    store.delete_class(klass.teacher_secret)
    with pytest.raises(UnknownClass):
        store.join(klass.code, "Anna")
    with pytest.raises(NotAllowed):
        store.summary(klass.teacher_secret)


# --- today's notes files -----------------------------------------------------------------------------------------


def test_a_notes_file_is_imported_and_older_entries_do_not_overwrite_newer(store, klass, tmp_path):
    path = tmp_path / "khrushchevs-purges.json"
    notes = StudentNotes("khrushchevs-purges", path)
    notes.set_note(5, "Who were the seven?")
    notes.set_note(2, "<b>literal</b>")
    notes.set_judgement("c05-2", "wrong", "Shepilov was a candidate")
    anna = store.join(klass.code, "Anna")
    store.save_note(anna.token, 2, "written in class, after the file", next_client_sequence() + 10_000_000)
    result = store.import_notes_file(anna.token, path)
    assert (result.notes, result.judgements, result.skipped, result.problems) == (1, 1, 1, [])
    state = store.student_state(anna.token)
    assert state.notes == {5: "Who were the seven?", 2: "written in class, after the file"}
    assert state.judgements["c05-2"].reason == "Shepilov was a candidate"
    assert store.import_notes_file(anna.token, path).skipped == 3  # importing twice changes nothing


@pytest.mark.parametrize(
    ("content", "expected"),
    [("not json", "cannot be read as a notes file"), (json.dumps({"x": 1}), "expected the keys paragraph_notes")],
)
def test_a_file_that_is_not_a_notes_file_is_refused_in_one_line(store, klass, tmp_path, content, expected):
    path = tmp_path / "notes.json"
    path.write_text(content, encoding="utf-8")
    anna = store.join(klass.code, "Anna")
    with pytest.raises(InvalidInput) as raised:
        store.import_notes_file(anna.token, path)
    assert str(path) in str(raised.value) and expected in str(raised.value)
    assert store.student_state(anna.token).notes == {}


def test_the_time_of_an_entry_is_its_sequence_number():
    assert sequence_of_time("2026-01-01T00:00:00+00:00") == 1_767_225_600_000_000
    numbers = [next_client_sequence() for _ in range(1000)]
    assert numbers == sorted(set(numbers))


# --- the schema --------------------------------------------------------------------------------------------------


def test_a_new_database_has_the_current_schema(store):
    assert store.schema_version() == SCHEMA_VERSION == 2
    assert store.migrate() == SCHEMA_VERSION  # and migrating again changes nothing


def test_a_version_1_database_is_upgraded_with_its_data(database_url):
    """Version 1 kept one token per student in `students`; version 2 moved tokens to their own table."""
    engine = make_engine(database_url)
    create_schema(engine, version=1)
    token, secret = "old-token-" + "x" * 22, "old-secret-" + "y" * 21
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO classes (code, teacher_secret_hash, edition, title, created) "
                "VALUES ('ABCDEFGH', :secret, 'khrushchevs-purges', 'Old class', '2026-11-01T00:00:00+00:00')"
            ),
            {"secret": hash_secret(secret)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO students (class_id, name, created, token_hash) "
                "VALUES (1, 'Anna', '2026-11-01T00:00:00+00:00', :token)"
            ),
            {"token": hash_secret(token)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO notes (student_id, paragraph, text, client_seq, updated) "
                "VALUES (1, 4, 'kept across the upgrade', 5, '2026-11-01T00:00:00+00:00')"
            )
        )
    engine.dispose()
    with pytest.raises(StoreUnavailable, match="schema version 1, this reader needs 2"):
        ClassStore(database_url, migrate=False)
    upgraded = ClassStore(database_url)
    try:
        assert upgraded.schema_version() == 2
        assert upgraded.student_state(token).notes == {4: "kept across the upgrade"}
        assert upgraded.summary(secret).students == 1
        assert upgraded.hub_student(1, "boris").student_id == 2  # version 2's new identities work
        assert upgraded.join("ABCDEFGH", "Anna", token=token).student_id == 1
    finally:
        upgraded.close()


def test_a_database_of_a_newer_schema_is_refused(database_url):
    ClassStore(database_url).close()
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(StoreUnavailable, match="schema version 99; this reader knows up to 2"):
        ClassStore(database_url)


@pytest.mark.parametrize("kind", ["a folder that is a file", "a server that is not there"])
def test_an_unreachable_database_is_one_line(tmp_path, kind):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    url = tmp_path / "file" / "class.db"
    if kind == "a server that is not there":
        from class_servers import free_port

        url = f"postgresql+psycopg://reader@127.0.0.1:{free_port()}/nothing"
    with pytest.raises(StoreUnavailable) as raised:
        ClassStore(url)
    assert "\n" not in str(raised.value) and ("not available" in str(raised.value) or "cannot" in str(raised.value))


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    opened = ClassStore(tmp_path / "class.db")
    with opened.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == store_module.SQLITE_BUSY_TIMEOUT_MS
    opened.close()


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path):
    """A teacher's view reading while the service writes: reads are not blocked by a held write lock."""
    import sqlite3

    opened = ClassStore(tmp_path / "class.db")
    klass = opened.create_class("khrushchevs-purges", "History 9B")
    anna = opened.join(klass.code, "Anna")
    writer = sqlite3.connect(tmp_path / "class.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert opened.student_state(anna.token).student.name == "Anna"
        assert opened.summary(klass.teacher_secret).students == 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        opened.close()


def test_who_asks_is_checked_before_what_they_sent(store, klass):
    """A stranger learns nothing from validation messages: bad input with a wrong token or secret is a refusal."""
    for call in (
        lambda: store.save_note("forged", 0, None, -1),
        lambda: store.save_judgement("forged", "' OR 1=1", "maybe", None, 0),
        lambda: store.save_progress("forged", -1),
        lambda: store.distribution("forged", "' OR 1=1"),
        lambda: store.summary("forged", ["' OR 1=1"]),
        lambda: store.reasons("forged", "' OR 1=1"),
        lambda: store.reveal("forged", "' OR 1=1"),
    ):
        with pytest.raises(NotAllowed):
            call()


def test_concurrent_writers_of_one_note_leave_the_newest(store, klass):
    """Eight threads (two tabs, a restarted kernel, a replaying outbox…) write one note with shuffled sequence
    numbers: whatever the order of arrival, the note ends as the write with the highest number."""
    import random
    import threading

    anna = store.join(klass.code, "Anna")
    numbers = list(range(1, 401))
    random.Random(7).shuffle(numbers)
    failures = []

    def writer(part: list[int]) -> None:
        try:
            for number in part:
                store.save_note(anna.token, 1, f"version {number}", number)
                store.save_judgement(anna.token, "c01-1", "wrong", f"reason {number}", number)
        except Exception as error:  # reported below, with the thread's others
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(numbers[index::8],)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    state = store.student_state(anna.token)
    assert state.notes == {1: "version 400"} and state.judgements["c01-1"].reason == "reason 400"
