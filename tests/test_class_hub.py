"""The class store as a JupyterHub service, on a REAL hub (DummyAuthenticator, configurable-http-proxy from npm,
deploy/jupyterhub_config.py) with the store on a real PostgreSQL server: identity is the hub user's token.

A student reaches only their own work and revealed aggregates, whatever headers they forge; the teacher's routes
need the teacher scope of the hub group ``teachers``; a token without access to the service gets nothing.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from class_servers import free_port
from reader.classroom.client import RemoteClassStore
from reader.classroom.hub_service import TEACHER_SCOPE
from reader.classroom.identity import HUB_IDENTITY, Visitor

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parent.parent
CHP = REPOSITORY / ".cache" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
ADMIN_TOKEN = "reader-test-admin-token-0123456789abcdef"
SERVICE = "reader-class"
START_SECONDS = 120


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(f"the hub tests never skip in CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, postgres_server):
    if shutil.which("jupyterhub", path=str(Path(sys.executable).parent)) is None:
        _missing("jupyterhub is not installed (the test extra has it)")
    if not CHP.exists():
        _missing("configurable-http-proxy is not installed (scripts/ensure-npm.sh, sourced by ./run-tests)")
    folder = tmp_path_factory.mktemp("hub")
    port, service_port = free_port(), free_port()
    database = postgres_server.new_database()
    config = folder / "jupyterhub_config.py"
    config.write_text(
        f"""
c = get_config()
load_subconfig({str(REPOSITORY / "deploy" / "jupyterhub_config.py")!r})
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{free_port()}"
c.JupyterHub.cookie_secret_file = {str(folder / "cookie_secret")!r}
c.JupyterHub.db_url = {"sqlite:///" + str(folder / "jupyterhub.sqlite")!r}
c.JupyterHub.pid_file = {str(folder / "jupyterhub.pid")!r}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.ConfigurableHTTPProxy.command = [{str(CHP)!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.pid_file = {str(folder / "proxy.pid")!r}
c.JupyterHub.load_groups = {{"teachers": {{"users": ["teacher1"]}}}}
c.JupyterHub.services.append({{"name": "test-admin", "api_token": {ADMIN_TOKEN!r}}})
c.JupyterHub.load_roles.append(
    {{"name": "test-admin", "scopes": ["admin:users", "tokens"], "services": ["test-admin"]}}
)
""",
        encoding="utf-8",
    )
    environment = {
        **os.environ,
        "READER_CLASS_DB": database,
        "READER_CLASS_SERVICE_PORT": str(service_port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log_path = folder / "hub.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
            cwd=folder,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{base}/hub/api/"), process, log_path)
        wait_until(lambda: answers(f"{base}/services/{SERVICE}/class/api/health", ok=(200, 403)), process, log_path)
        api(base, "POST", "/users", {"usernames": ["alice", "bob", "teacher1", "outsider"]})
        yield {"base": base, "folder": folder, "log": log_path}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def answers(url: str, ok=(200,)) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status in ok
    except urllib.error.HTTPError as error:
        return error.code in ok
    except OSError:
        return False


def wait_until(condition, process, log_path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the hub did not start: {log_path.read_text()[-4000:]}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.5)


def api(base: str, method: str, path: str, body=None, token: str = ADMIN_TOKEN):
    request = urllib.request.Request(
        f"{base}/hub/api{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def token_of(hub, user: str, scopes: list[str]) -> str:
    return api(hub["base"], "POST", f"/users/{user}/tokens", {"scopes": scopes, "note": "class test"})["token"]


def class_of(hub, token: str | None, **headers) -> RemoteClassStore:
    auth = {"Authorization": f"token {token}"} if token else {}
    return RemoteClassStore(f"{hub['base']}/services/{SERVICE}", headers={**auth, **headers})


ACCESS = f"access:services!service={SERVICE}"


def test_students_reach_only_their_own_work_and_teachers_the_class(hub, edition):
    claim = next(claim for paragraph in edition.all_paragraphs() for claim in paragraph.claims)
    alice = class_of(hub, token_of(hub, "alice", [ACCESS]))
    bob_token = token_of(hub, "bob", [ACCESS])
    teacher = class_of(hub, token_of(hub, "teacher1", [ACCESS, TEACHER_SCOPE]))

    alice.save_note(HUB_IDENTITY, 1, "alice's <b>own</b> note", 1)
    alice.save_judgement(HUB_IDENTITY, claim.claim_id, "wrong", "'; DROP TABLE students; --", 2)
    mine = alice.student_state(HUB_IDENTITY)
    assert mine.student.name == "alice" and mine.notes == {1: "alice's <b>own</b> note"}

    # Bob, even forging the headers of the single-machine API, is Bob
    bob = class_of(hub, bob_token, **{"X-Reader-Student": "alice", "X-Reader-Teacher": "guess"})
    state = bob.student_state("alice")
    assert state.student.name == "bob" and state.notes == {} and state.judgements == {}
    for call in (
        lambda: bob.summary("guess"),
        lambda: bob.reasons("x", claim.claim_id, True),
        lambda: bob.progress("x"),
    ):
        with pytest.raises(PermissionError, match=TEACHER_SCOPE):
            call()
    with pytest.raises(PermissionError, match="not revealed|judge"):
        bob.distribution(HUB_IDENTITY, claim.claim_id)
    with pytest.raises(PermissionError, match="nothing to join"):
        bob.join("ABCDEFGH", "alice")

    # the teacher (group teachers) sees the class, names on request
    summary = teacher.summary(HUB_IDENTITY, [claim.claim_id])
    assert summary.students == 2 and summary.claims[claim.claim_id].counts["wrong"] == 1
    reasons = teacher.reasons(HUB_IDENTITY, claim.claim_id, show_names=True)
    assert [(reason.name, reason.reason) for reason in reasons] == [("alice", "'; DROP TABLE students; --")]
    assert [reason.name for reason in teacher.reasons(HUB_IDENTITY, claim.claim_id)] == [None]

    # revealed: alice (who judged) sees the class's judgements; bob (who did not) still does not
    with pytest.raises(PermissionError):
        alice.distribution(HUB_IDENTITY, claim.claim_id)
    teacher.reveal(HUB_IDENTITY, claim.claim_id)
    assert alice.distribution(HUB_IDENTITY, claim.claim_id).counts["wrong"] == 1
    with pytest.raises(PermissionError):
        bob.distribution(HUB_IDENTITY, claim.claim_id)


def test_no_token_or_a_token_without_access_gets_nothing(hub):
    outsider = class_of(hub, token_of(hub, "outsider", ["read:users:name!user=outsider"]))
    for store in (class_of(hub, None), outsider, class_of(hub, "not-a-token")):
        with pytest.raises(PermissionError, match="JupyterHub token"):
            store.student_state(HUB_IDENTITY)
        with pytest.raises(PermissionError):
            store.summary(HUB_IDENTITY)


def test_a_student_cannot_get_a_token_with_the_teacher_scope(hub):
    with pytest.raises(urllib.error.HTTPError) as refused:
        token_of(hub, "bob", [ACCESS, TEACHER_SCOPE])
    assert refused.value.code == 400  # the hub refuses a token with scopes its owner does not hold
    assert TEACHER_SCOPE in refused.value.read().decode()


def test_the_class_app_on_the_hub_is_the_users(hub, edition, tmp_path):
    """What a kernel on the hub shows: the student's reader as their hub user, the teacher's view for teachers."""
    from reader.classroom.client import ClassNotes
    from reader.widgets.classroom_app import ClassroomApp

    opened = []

    def app(user: str, scopes: list[str], visitor: Visitor) -> ClassroomApp:
        store = class_of(hub, token_of(hub, user, scopes))

        def notes_for(token):
            opened.append(ClassNotes(store, user, edition.name, folder=tmp_path / user))
            return opened[-1]

        return ClassroomApp(edition, store, visitor, notes_for=notes_for, poll_seconds=60)

    try:
        student = app("bob", [ACCESS], Visitor(student_token=HUB_IDENTITY))
        assert student.role == "student" and student.student_name == "bob"
        refused = app("bob", [ACCESS], Visitor(teacher_secret=HUB_IDENTITY))
        assert refused.role == "newcomer" and refused.teacher_view is None
        teacher = app("teacher1", [ACCESS, TEACHER_SCOPE], Visitor(teacher_secret=HUB_IDENTITY))
        assert teacher.role == "teacher" and teacher.teacher_view.students >= 1
    finally:
        for notes in opened:
            notes.close()
