"""The class app's widgets (join, the class's judgements, the teacher's view), without a browser, over an
in-memory class with the store's interface."""

import asyncio
import base64
import re
import socket
import stat
import threading

import pytest

from fake_class import FakeClassNotes, FakeClassStore
from reader.classroom.access import ClassRefusal, TeacherAccess
from reader.classroom.identity import Visitor, personal_link, visitor_from_query
from reader.classroom.polling import Poller
from reader.escaping import escape
from reader.widgets.classroom_app import NOT_A_TEACHER_LINK, UNKNOWN_LINK, ClassroomApp
from reader.widgets.teacher_view import TeacherView
from test_widgets import CommRecorder, html_values

HOSTILE = '<img src=x onerror="alert(1)">\u202e Robert\'); DROP TABLE students;--'


@pytest.fixture
def store():
    return FakeClassStore()


@pytest.fixture
def comms(monkeypatch):
    import comm
    import ipywidgets as widgets

    recorder = CommRecorder()
    widgets.Widget.close_all()
    monkeypatch.setattr(comm, "create_comm", recorder.create_comm)
    yield recorder
    widgets.Widget.close_all()


@pytest.fixture
def open_app(edition, store, tmp_path):
    def make(query: str = "", **kwargs) -> ClassroomApp:
        return ClassroomApp(
            edition,
            store,
            visitor_from_query(query),
            notes_for=lambda token: FakeClassNotes(store, token, edition.name, tmp_path),
            link_for=lambda token: personal_link(token, {"SERVER_NAME": "10.0.0.5", "SERVER_PORT": "8866"}),
            class_code=store.code,
            export_folder=tmp_path / "class",
            **kwargs,
        )

    return make


def join(app: ClassroomApp, name: str, code: str) -> str | None:
    app.join_view.name_field.value = name
    app.join_view.code_field.value = code
    app.join_view.join_button.click()
    return next((token for token, student in app.store.students.items() if student["name"] == name), None)


def judge(app: ClassroomApp, paragraph: int, claim_number: int, verdict: str, reason: str = "") -> str:
    reader_app = app.reader_app
    reader_app.paragraph_number = paragraph
    claims = reader_app.paragraph_reader.claims_panel
    claims.choice.value = claim_number
    claims.judgement.value = verdict
    claims.reason.value = reason
    claims.record_button.click()
    return claims.claim.claim_id


def first_claim(edition):
    return next(claim for paragraph in edition.all_paragraphs() for claim in paragraph.claims)


# --- who is at the screen -----------------------------------------------------------------------------------


def test_the_address_says_who_is_there():
    assert visitor_from_query("").role == "newcomer"
    assert visitor_from_query("student=abc").student_token == "abc"
    assert visitor_from_query("teacher=s3cret&student=x").role == "teacher"
    assert visitor_from_query("student=" + "x" * 500).role == "newcomer", "nothing that long is a token"
    assert visitor_from_query("student=a%0Ab").student_token is None, "control characters are not a token"
    assert "abc" not in repr(Visitor(student_token="abc", teacher_secret="def"))
    assert "def" not in repr(Visitor(student_token="abc", teacher_secret="def"))
    environment = {"SERVER_NAME": "10.0.0.5", "SERVER_PORT": "8866", "SCRIPT_NAME": "/"}
    assert personal_link("a b/c", environment) == "http://10.0.0.5:8866/?student=a%20b%2Fc"


def test_a_newcomer_joins_with_name_and_code_and_gets_a_personal_link(open_app, store):
    app = open_app()
    assert app.role == "newcomer" and app.join_view.join_button.disabled
    assert join(app, "Anna", "WRONGCOD") is None
    assert "Could not join: no class has this code" in app.join_view.message.value
    assert app.join_view.name_field.value == "Anna", "what the student typed stays"
    token = join(app, "Anna", "abcd efgh")  # spaces and case as a student types them from the screen
    assert token and app.role == "student" and app.join_view is None
    assert f"http://10.0.0.5:8866/?student={token}" in app.message.value
    assert "Anna" in app.message.value and repr(app).startswith("Anna's reader")
    assert app.student_access.progress_sent()
    assert store.students[token]["paragraph"] == 1, "the reader opens on ¶1: the teacher sees it"


def test_the_personal_link_finds_the_students_work_again(open_app, store, edition):
    first = open_app()
    token = join(first, "Anna", store.code)
    first.reader_app.notes_panel.field.value = "my own note"
    claim_id = judge(first, 1, 1, "doubtful", "dates?")
    again = open_app(f"student={token}")  # a reload, a kernel restart or another day
    assert again.role == "student" and again.student_name == "Anna"
    assert again.reader_app.notes_panel.field.value == "my own note"
    assert again.reader_app.paragraph_reader.claims_panel.judgement_of(claim_id)["judgement"] == "doubtful"


def test_an_unknown_personal_link_leads_to_joining_again(open_app):
    app = open_app("student=not-a-token")
    assert app.role == "newcomer"
    assert app.message.value and "This personal link is not known" in app.message.value
    assert UNKNOWN_LINK.split(" (")[0] in repr(app.message.value)


def test_a_wrong_teacher_link_shows_nothing_of_the_class(open_app, store):
    app = open_app("teacher=guess")
    assert app.role == "newcomer" and app.teacher_view is None and app.join_view is None
    assert escape(NOT_A_TEACHER_LINK) in app.message.value
    assert not any(store.code in value for value in html_values(app))


# --- what students see of each other ------------------------------------------------------------------------


def test_one_students_notes_and_judgements_are_never_shown_to_another(open_app, store, edition):
    anna, boris = open_app(), open_app()
    join(anna, "Anna", store.code)
    join(boris, "Boris", store.code)
    anna.reader_app.notes_panel.field.value = "Anna's private note"
    claim_id = judge(anna, 1, 1, "wrong", "Anna's private reason")
    boris.reader_app.paragraph_number = 1
    shown_to_boris = "".join(html_values(boris))
    assert "Anna" not in shown_to_boris
    assert boris.reader_app.notes_panel.field.value == ""
    assert boris.reader_app.paragraph_reader.claims_panel.verdict_hidden(claim_id), "judge first holds for Boris"


def test_the_class_distribution_waits_for_the_students_judgement_and_the_reveal(open_app, store, edition):
    anna, boris = open_app(), open_app()
    join(anna, "Anna", store.code)
    join(boris, "Boris", store.code)
    claim_id = judge(boris, 1, 1, "supported")
    store.revealed.add(claim_id)
    anna.reader_app.paragraph_number = 1
    calls = len(store.calls)
    anna.distribution.refresh()
    assert anna.distribution.layout.display == "none", "nothing of the class before Anna judges"
    assert "distribution" not in store.calls[calls:], "not even asked"
    store.revealed.clear()
    judge(anna, 1, 1, "wrong", "no")
    assert anna.distribution.layout.display is None
    assert "not shown yet" in anna.distribution.view.value and "not revealed" in anna.distribution.view.value
    store.revealed.add(claim_id)
    anna.distribution.check_button.click()
    assert repr(anna.distribution) == "The class’s judgements: supported 1, doubtful 0, wrong 1, opinion 0"
    assert "(2 students)" in anna.distribution.view.value and "The record:" in anna.distribution.view.value


# --- the teacher's view -------------------------------------------------------------------------------------


@pytest.fixture
def class_of_two(open_app, store):
    anna, boris = open_app(), open_app()
    join(anna, HOSTILE, store.code)
    join(boris, "Boris", store.code)
    claim_id = judge(anna, 1, 1, "wrong", "<b>bold</b> & '1'='1'")
    judge(boris, 1, 1, "supported", "as the record")
    return anna, boris, claim_id


def test_the_teacher_sees_counts_reasons_and_progress_names_hidden(open_app, store, class_of_two, edition):
    anna, boris, claim_id = class_of_two
    boris.reader_app.paragraph_number = 4
    assert boris.student_access.progress_sent()
    teacher = open_app(f"teacher={store.secret}")
    view = teacher.teacher_view
    assert teacher.role == "teacher" and view.claim_id == claim_id
    assert (
        "ABCD EFGH" in view.banner.value
        and "The class title" in view.banner.value
        and "2 students joined" in view.banner.value
    )
    assert f"{claim_id}: 2 judged (supported 1, doubtful 0, wrong 1, opinion 0)" in repr(teacher)
    assert "✓ supported 1 · ? doubtful 0 · ✗ wrong 1 · … opinion 0" in view.summary_view.value
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;1&#x27;=&#x27;1&#x27;" in view.reasons_view.value
    everything = "".join(html_values(view))
    assert "Boris" not in everything and "DROP TABLE" not in everything, "names hidden by default"
    assert '<tr><th scope="row">¶4</th><td class="reader-count">1</td>' in view.progress_view.value
    view.names_toggle.value = True
    assert "Boris" in view.reasons_view.value and "Boris" in view.progress_view.value
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in view.reasons_view.value
    assert "<img" not in "".join(html_values(view))
    assert '<bdi dir="auto">' in view.reasons_view.value, "a right-to-left override stays inside its name"


def test_a_refresh_with_nothing_new_sends_nothing_and_new_work_appears(comms, open_app, store, class_of_two):
    anna, boris, claim_id = class_of_two
    teacher = open_app(f"teacher={store.secret}").teacher_view
    comms.log.clear()
    teacher.refresh_button.click()
    assert comms.updates() == []
    third = open_app()
    join(third, "Chen", store.code)
    judge(third, 1, 1, "opinion")
    comms.log.clear()
    teacher.refresh()
    changed = {comm_id for comm_id, _ in comms.updates()}
    assert changed == {
        teacher.banner.model_id,
        teacher.summary_view.model_id,
        teacher.reasons_view.model_id,
        teacher.progress_view.model_id,
    }
    assert f"{claim_id}: 3 judged" in repr(teacher)


def test_reveal_and_hide_per_claim_and_all(open_app, store, class_of_two):
    anna, boris, claim_id = class_of_two
    teacher = open_app(f"teacher={store.secret}").teacher_view
    assert not teacher.revealed(claim_id) and "<td>hidden</td></tr>" in teacher.summary_view.value
    teacher.reveal_button.click()
    assert claim_id in store.revealed and teacher.revealed(claim_id)
    assert teacher.reveal_button.description.startswith("Hide")
    anna.distribution.check_button.click()
    assert "wrong 1, opinion 0" in repr(anna.distribution)
    teacher.reveal_button.click()
    assert claim_id not in store.revealed
    teacher.reveal_all_button.click()
    assert store.all_revealed
    teacher.hide_all_button.click()
    assert not store.all_revealed and not teacher.revealed(claim_id)


def test_export_gives_a_download_link_and_a_private_file(open_app, store, class_of_two, tmp_path):
    teacher = open_app(f"teacher={store.secret}").teacher_view
    path = teacher.export()
    assert path is not None and path.parent == tmp_path / "class" and path.suffix == ".csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    payload = re.search(r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)"', teacher.export_view.value)
    assert base64.b64decode(payload.group(1)).decode("utf-8") == path.read_text(encoding="utf-8")
    assert f'download="{path.name}"' in teacher.export_view.value


def test_clearing_the_class_asks_first(open_app, store, class_of_two):
    teacher = open_app(f"teacher={store.secret}").teacher_view
    teacher.clear_button.click()
    assert teacher.confirm_box.layout.display is None and "2 students" in teacher.confirm_view.value
    assert store.students, "nothing deleted before the confirmation"
    teacher.cancel_clear_button.click()
    assert teacher.confirm_box.layout.display == "none" and len(store.students) == 2
    teacher.clear_button.click()
    teacher.confirm_clear_button.click()
    assert store.students == {} and "0 students joined" in teacher.banner.value


def test_an_unreachable_class_store_is_said_and_the_last_results_stay(open_app, store, class_of_two):
    anna, boris, claim_id = class_of_two
    teacher = open_app(f"teacher={store.secret}").teacher_view
    before = teacher.summary_view.value
    store.down = True
    assert teacher.refresh() is False
    assert "Could not reach the class store" in teacher.status.value
    assert teacher.summary_view.value == before
    store.down = False
    assert teacher.refresh() is True and teacher.status.value == ""


def test_the_teacher_view_refuses_a_claim_the_edition_does_not_have(edition, store):
    view = TeacherView(edition, TeacherAccess(store, store.secret, code=store.code))
    with pytest.raises(ValueError, match="is not a claim of this edition"):
        view.claim_id = "no-such-claim"


def test_a_wrong_secret_is_a_refusal_of_the_access(store):
    with pytest.raises(ClassRefusal, match="not the teacher"):
        TeacherAccess(store, "wrong").summary()


# --- a student's notes in the class -------------------------------------------------------------------------


def test_the_notes_status_names_no_server_path_and_notes_download_from_the_page(open_app, store, tmp_path):
    app = open_app()
    join(app, "Anna", store.code)
    panel = app.reader_app.notes_panel
    panel.field.value = "a note with <b>markup</b>"
    assert "Saved to the class." in panel.status.value
    assert str(tmp_path) not in panel.status.value and ".json" not in panel.status.value
    assert panel.export_button.description == "Download my notes (Markdown)"
    panel.export_button.click()
    payload = re.search(r'href="data:text/markdown;charset=utf-8;base64,([A-Za-z0-9+/=]+)"', panel.status.value)
    assert "a note with <b>markup</b>" in base64.b64decode(payload.group(1)).decode("utf-8")
    assert not list(tmp_path.glob("*.md")), "nothing written on the server for a download"


# --- messages and models ------------------------------------------------------------------------------------


def test_joining_leaves_no_join_models_behind_and_refreshes_make_no_models(comms, open_app, store, class_of_two):
    teacher = open_app(f"teacher={store.secret}").teacher_view
    models = len(comms.live)
    for _ in range(5):
        teacher.refresh()
        teacher.names_toggle.value = not teacher.names_toggle.value
    assert len(comms.live) == models
    newcomer = open_app()
    before_join = len(comms.live)
    join_models = {child.model_id for child in newcomer.join_view.children}
    join(newcomer, "Dana", store.code)
    assert not join_models & comms.live, "the join view's models are closed once the student has joined"
    assert len(comms.live) > before_join - len(join_models)


def test_the_poller_refreshes_on_the_running_loop_only():
    # In a thread of its own: earlier tests (Playwright's sync API) may leave a loop running in the main thread.
    failures: list[BaseException] = []

    def in_a_fresh_thread():
        try:
            poll_on_the_running_loop_only()
        except BaseException as error:  # reported to the test's thread below
            failures.append(error)

    thread = threading.Thread(target=in_a_fresh_thread)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the poller test did not finish"
    if failures:
        raise failures[0]


def poll_on_the_running_loop_only():
    calls: list[int] = []
    poller = Poller(lambda: calls.append(1), 0.02)
    assert poller.start() is False and not poller.running, "no loop: nothing started"

    async def for_a_while():
        assert poller.start() is True
        await asyncio.sleep(0.2)
        poller.stop()
        stopped_at = len(calls)
        await asyncio.sleep(0.1)
        return stopped_at

    stopped_at = asyncio.run(for_a_while())
    assert stopped_at >= 3 and len(calls) == stopped_at


# --- the same views over the real class store and the real class client -------------------------------------


def test_the_class_views_over_the_real_store_and_client(edition, tmp_path):
    """The widgets against what they will really talk to: ClassStore on SQLite and ClassNotes with its outbox."""
    from reader.classroom.client import ClassNotes
    from reader.classroom.store import ClassStore

    store = ClassStore(str(tmp_path / "class.db"))
    info = store.create_class(edition.name, edition.title)
    notes_made: list[ClassNotes] = []

    def notes_for(token: str) -> ClassNotes:
        notes_made.append(ClassNotes(store, token, edition.name, folder=tmp_path / "students"))
        return notes_made[-1]

    def open_real(query: str = "") -> ClassroomApp:
        return ClassroomApp(edition, store, visitor_from_query(query), notes_for=notes_for, poll_seconds=60)

    try:
        anna, boris = open_real(), open_real()
        anna.join_view.name_field.value, anna.join_view.code_field.value = HOSTILE, info.code.lower()
        anna.join_view.join_button.click()
        boris.join_view.name_field.value, boris.join_view.code_field.value = "Boris", info.code
        boris.join_view.join_button.click()
        assert anna.role == boris.role == "student"
        anna.reader_app.notes_panel.field.value = "Anna's note"
        claim_id = judge(anna, 1, 1, "wrong", "<script>x</script>")
        judge(boris, 1, 1, "supported", "the record")
        assert boris.reader_app.notes_panel.field.value == ""
        assert all(notes.flush(timeout=30) for notes in notes_made), "every write reached the store"
        assert "Saved to the class." in anna.reader_app.notes_panel.status.value

        teacher = open_real(f"teacher={info.teacher_secret}")
        view = teacher.teacher_view
        assert view is not None and view.students == 2
        assert f"{claim_id}: 2 judged (supported 1, doubtful 0, wrong 1, opinion 0)" in repr(view)
        assert "&lt;script&gt;x&lt;/script&gt;" in view.reasons_view.value and "Boris" not in view.reasons_view.value
        anna.distribution.refresh()
        assert "not shown yet" in anna.distribution.view.value
        view.reveal_button.click()
        anna.distribution.check_button.click()
        assert repr(anna.distribution) == "The class’s judgements: supported 1, doubtful 0, wrong 1, opinion 0"
        boris_token = next(notes.token for notes in notes_made if notes.judgement(claim_id)["judgement"] == "supported")
        again = open_real(f"student={boris_token}")
        assert again.student_name == "Boris" and again.reader_app.notes_panel.field.value == ""
        assert view.export() is None, "no export folder given: a download link only"
        payload = re.search(r"base64,([A-Za-z0-9+/=]+)", view.export_view.value).group(1)
        assert "<script>x</script>" in base64.b64decode(payload).decode("utf-8"), "the CSV holds the reason literally"
        view.clear()
        assert view.students == 0
    finally:
        for notes in notes_made:
            notes.close()
        store.close()


def test_a_class_that_cannot_be_reached_is_told_to_the_student_and_the_outbox_keeps_the_note(edition, tmp_path):
    import time

    from reader.classroom.client import ClassNotes, RemoteClassStore
    from reader.widgets import ReaderApp

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notes = ClassNotes(RemoteClassStore(f"http://127.0.0.1:{port}", timeout=2), "a" * 32, edition.name, folder=tmp_path)
    try:
        app = ReaderApp(edition, notes=notes, judge_first=True, notes_download=True)
        app.notes_panel.field.value = "written while the class is away"
        deadline = time.monotonic() + 30
        while "cannot be reached" not in app.notes_panel.status.value and time.monotonic() < deadline:
            time.sleep(0.1)
        status = app.notes_panel.status.value
        assert 'role="alert"' in status and "cannot be reached" in status and "kept here" in status
        assert str(tmp_path) not in status and "127.0.0.1" not in status, "no path, no address"
        assert "written while the class is away" in notes.outbox_path.read_text(encoding="utf-8")
    finally:
        notes.close()
