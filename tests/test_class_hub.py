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
from reader.classroom.identity import HUB_IDENTITY

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


def hub_config(folder: Path, port: int, admin: str) -> str:
    """A local hub's configuration: deploy/jupyterhub_config.py (the class service), DummyAuthenticator, the proxy
    from npm, everything kept in ``folder``, and a service ``admin`` holding ADMIN_TOKEN to make users and tokens."""
    return f"""
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
c.JupyterHub.services.append({{"name": {admin!r}, "api_token": {ADMIN_TOKEN!r}}})
c.JupyterHub.load_roles.append({{"name": {admin!r}, "scopes": ["admin:users", "tokens"], "services": [{admin!r}]}})
"""


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
        hub_config(folder, port, admin="test-admin")
        + 'c.JupyterHub.load_groups = {"teachers": {"users": ["teacher1"]}}\n',
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


def test_the_class_app_on_the_hub_is_the_users(hub, edition):
    """What ``reader.open(class_mode=True)`` shows in a kernel on the hub (the environment deploy/ gives it): the
    student's reader as their hub user; the teacher's view only for a member of the group teachers."""
    import reader

    opened = []

    def app(user: str, scopes: list[str], teacher: bool = False):
        environment = {
            "READER_CLASS_SERVICE": f"{hub['base']}/services/{SERVICE}",
            "READER_CLASS_HUB": "1",
            "JUPYTERHUB_API_TOKEN": token_of(hub, user, scopes),
            "JUPYTERHUB_USER": user,
        }
        opened.append(reader._classroom_app(edition, environment, teacher=teacher))
        return opened[-1]

    try:
        student = app("bob", [ACCESS])
        assert student.role == "student" and student.student_name == "bob"
        student.reader_app.notes_panel.field.value = "bob's note, through the hub"
        assert student.reader_app.notes.flush(timeout=30)
        refused = app("bob", [ACCESS], teacher=True)
        assert refused.role == "newcomer" and refused.teacher_view is None
        teacher = app("teacher1", [ACCESS, TEACHER_SCOPE], teacher=True)
        assert teacher.role == "teacher" and teacher.teacher_view.students >= 1
        assert "bob" not in teacher.teacher_view.progress_view.value, "names hidden by default"
        teacher.teacher_view.names_toggle.value = True
        assert "bob" in teacher.teacher_view.progress_view.value
    finally:
        for app_opened in opened:
            if app_opened.reader_app is not None:
                app_opened.reader_app.notes.close()
            if app_opened.teacher_view is not None:
                app_opened.teacher_view.poller.stop()
