"""The class service over HTTP, as an attacker would call it: another student's token, forged names, guessed codes,
replayed requests, payloads, huge bodies, cross-origin requests, tokens in logs; on SQLite and a real PostgreSQL."""

import http.client
import json
import logging
import signal
import subprocess
import sys
import time

import pytest

from class_servers import ServiceThread, free_port
from reader.classroom.service import MAX_BODY_BYTES, SECURITY_HEADERS, JoinLimits
from reader.classroom.store import ClassStore, next_client_sequence

PAYLOADS = ["Robert'); DROP TABLE notes;--", "<img src=x onerror=alert(1)>", '"}], "admin": true, {"x": "', "🙂\u202e"]


class Api:
    """Raw HTTP calls to the service (http.client: nothing hides a status or a header)."""

    def __init__(self, port: int):
        self.port = port

    def call(self, method, path, body=None, *, student=None, teacher=None, headers=None, raw=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if student is not None:
            sent["X-Reader-Student"] = student
        if teacher is not None:
            sent["X-Reader-Teacher"] = teacher
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        connection.request(method, f"/class/api/{path}", body=data, headers=sent)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        response.content = content
        response.json = (
            json.loads(content) if response.getheader("Content-Type", "").startswith("application/json") else None
        )
        return response


@pytest.fixture
def service(database_url):
    store = ClassStore(database_url)
    running = ServiceThread(store)
    yield running
    running.stop()
    store.close()


@pytest.fixture
def api(service):
    return Api(service.port)


@pytest.fixture
def klass(service):
    return service.store.create_class("khrushchevs-purges", "History 9B")


def join(api, klass, name):
    response = api.call("POST", "join", {"code": klass.code, "name": name})
    assert response.status == 200, response.content
    return response.json


def test_a_student_joins_writes_and_reads_their_own_work(api, klass):
    anna = join(api, klass, "Anna")
    assert set(anna) == {"student_id", "class_id", "name", "token"}
    assert api.call("POST", "note", {"paragraph": 1, "text": "mine", "client_seq": 1}, student=anna["token"]).json == {
        "applied": True
    }
    body = {"claim_id": "c01-1", "verdict": "wrong", "reason": "dates", "client_seq": 2}
    assert api.call("POST", "judgement", body, student=anna["token"]).status == 200
    assert api.call("POST", "progress", {"paragraph": 3}, student=anna["token"]).status == 200
    state = api.call("GET", "state", student=anna["token"]).json
    assert state["notes"] == {"1": "mine"} and state["judgements"]["c01-1"]["verdict"] == "wrong"
    assert (state["paragraph"], state["furthest"], state["revealed"]) == (3, 3, [])


def test_another_students_token_reaches_only_that_student_and_forged_names_change_nothing(api, klass, service):
    anna, boris = join(api, klass, "Anna"), join(api, klass, "Anna")  # same name: two students
    assert anna["student_id"] != boris["student_id"]
    api.call("POST", "note", {"paragraph": 1, "text": "Anna's own", "client_seq": 5}, student=anna["token"])
    forged = {"paragraph": 1, "text": "written by Boris", "client_seq": 9, "student_id": anna["student_id"]}
    forged |= {"name": "Anna", "token": anna["token"]}  # fields in the body are not identities
    assert api.call("POST", "note", forged, student=boris["token"]).status == 200
    assert api.call("GET", "state", student=anna["token"]).json["notes"] == {"1": "Anna's own"}
    assert api.call("GET", "state", student=boris["token"]).json["notes"] == {"1": "written by Boris"}
    for token in ("", "forged", anna["token"][:-1] + ("A" if anna["token"][-1] != "A" else "B"), "x" * 5000):
        response = api.call("GET", "state", student=token)
        assert response.status in (403, 400, 431) and "Anna's own" not in response.content.decode()
    # a query-string token or cookie is not an identity either
    assert api.call("GET", f"state?token={anna['token']}", headers={"Cookie": f"token={anna['token']}"}).status == 403


def test_teacher_routes_refuse_student_tokens(api, klass):
    anna = join(api, klass, "Anna")
    routes = [
        ("GET", "teacher/summary", None),
        ("GET", "teacher/reasons?claim_id=c01-1&names=1", None),
        ("GET", "teacher/progress", None),
        ("POST", "teacher/reveal", {"claim_id": None}),
        ("POST", "teacher/hide", {"claim_id": None}),
        ("GET", "teacher/export.csv", None),
        ("POST", "teacher/clear", {"confirm": True}),
    ]
    for method, path, body in routes:
        assert api.call(method, path, body, student=anna["token"]).status == 403, path
        assert api.call(method, path, body, teacher=anna["token"]).status == 403, path
        assert api.call(method, path, body).status == 403, path
    assert api.call("GET", "teacher/summary", teacher=klass.teacher_secret).json["students"] == 1  # nothing cleared
    other = api.call("GET", "teacher/summary", teacher=klass.teacher_secret + "x")
    assert other.status == 403 and other.json == {"error": "this teacher secret does not open any class"}


def test_the_teacher_routes(api, klass):
    anna, boris = join(api, klass, "Anna"), join(api, klass, "Boris")
    for student, verdict in ((anna, "wrong"), (boris, "supported")):
        body = {"claim_id": "c01-1", "verdict": verdict, "reason": f"{student['name']}'s reason", "client_seq": 1}
        api.call("POST", "judgement", body, student=student["token"])
    secret = klass.teacher_secret
    summary = api.call("GET", "teacher/summary?claim_id=c02-1", teacher=secret).json
    assert summary["claims"]["c01-1"]["counts"] == {"supported": 1, "doubtful": 0, "wrong": 1, "opinion": 0}
    assert summary["claims"]["c02-1"]["judged"] == 0
    reasons = api.call("GET", "teacher/reasons?claim_id=c01-1", teacher=secret).json["reasons"]
    assert {reason["name"] for reason in reasons} == {None}
    named = api.call("GET", "teacher/reasons?claim_id=c01-1&names=1", teacher=secret).json["reasons"]
    assert {reason["name"] for reason in named} == {"Anna", "Boris"}
    assert len(api.call("GET", "teacher/progress", teacher=secret).json["students"]) == 2
    refused = api.call("GET", "distribution?claim_id=c01-1", student=anna["token"])
    assert refused.status == 403 and "not revealed" in refused.json["error"]
    assert api.call("POST", "teacher/reveal", {"claim_id": "c01-1"}, teacher=secret).status == 200
    seen = api.call("GET", "distribution?claim_id=c01-1", student=anna["token"]).json
    assert (seen["judged"], seen["own_verdict"]) == (2, "wrong")
    export = api.call("GET", "teacher/export.csv", teacher=secret)
    assert export.getheader("Content-Type").startswith("text/csv") and "Anna's reason" in export.content.decode()
    refused = api.call("POST", "teacher/clear", {}, teacher=secret)
    assert refused.status == 400 and "confirm" in refused.json["error"]
    assert api.call("POST", "teacher/clear", {"confirm": True}, teacher=secret).json == {"students_deleted": 2}
    assert api.call("GET", "state", student=anna["token"]).status == 403


def test_guessed_codes_are_rate_limited(api, klass):
    answers = [
        api.call("POST", "join", {"code": f"AAAA{number:04d}", "name": "Mallory"}).status for number in range(12)
    ]
    assert answers[:10] == [404] * 10 and answers[10:] == [429, 429]
    blocked = api.call("POST", "join", {"code": klass.code, "name": "Mallory"})
    assert blocked.status == 429 and 1 <= int(blocked.getheader("Retry-After")) <= 60
    assert "too many attempts" in blocked.json["error"]


def test_wrong_codes_are_limited_in_all_whatever_the_address(database_url):
    store = ClassStore(database_url)
    running = ServiceThread(store, limits=JoinLimits(failed_per_address=1000, failed_in_all=5))
    try:
        api = Api(running.port)
        statuses = [api.call("POST", "join", {"code": "ZZZZZZZZ", "name": "M"}).status for _ in range(7)]
        assert statuses == [404] * 5 + [429] * 2
    finally:
        running.stop()
        store.close()


def test_a_class_behind_one_address_can_all_join(api, klass):
    assert all(join(api, klass, f"student {number}")["token"] for number in range(40))


def test_replayed_requests_are_idempotent(api, klass):
    anna = join(api, klass, "Anna")
    newer = {"paragraph": 2, "text": "newer", "client_seq": next_client_sequence()}
    older = {"paragraph": 2, "text": "older", "client_seq": newer["client_seq"] - 1}
    assert api.call("POST", "note", newer, student=anna["token"]).json == {"applied": True}
    assert api.call("POST", "note", newer, student=anna["token"]).json == {"applied": False}
    assert api.call("POST", "note", older, student=anna["token"]).json == {"applied": False}
    assert api.call("GET", "state", student=anna["token"]).json["notes"] == {"2": "newer"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_stored_and_returned_literally(api, klass, payload):
    student = join(api, klass, payload)
    assert student["name"] == payload.strip()
    api.call("POST", "note", {"paragraph": 1, "text": payload, "client_seq": 1}, student=student["token"])
    body = {"claim_id": "c01-1", "verdict": "opinion", "reason": payload, "client_seq": 2}
    api.call("POST", "judgement", body, student=student["token"])
    state = api.call("GET", "state", student=student["token"]).json
    assert state["notes"]["1"] == payload and state["judgements"]["c01-1"]["reason"] == payload
    reasons = api.call("GET", "teacher/reasons?claim_id=c01-1&names=1", teacher=klass.teacher_secret).json["reasons"]
    assert reasons == [{"verdict": "opinion", "reason": payload, "updated": reasons[0]["updated"], "name": payload}]


def test_a_10_mb_body_is_refused_without_being_read(api, klass, service):
    anna = join(api, klass, "Anna")
    connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
    connection.putrequest("POST", "/class/api/note")
    for name, value in {
        "Content-Type": "application/json",
        "Content-Length": str(10 * 1024 * 1024),
        "X-Reader-Student": anna["token"],
    }.items():
        connection.putheader(name, value)
    connection.endheaders()  # and no body: the answer comes before it would be sent
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read()) == {"error": "the request is larger than 128 KB"}
    connection.close()
    # sent whole: refused too (an answer or a closed connection), and the service goes on
    try:
        refused = api.call("POST", "note", student=anna["token"], raw=b"x" * (10 * 1024 * 1024)).status
    except (ConnectionError, http.client.HTTPException):
        refused = "closed"
    assert refused in (413, 400, "closed")
    assert api.call("GET", "state", student=anna["token"]).json["notes"] == {}
    assert api.call("GET", "health").json["ok"] is True


def test_a_body_just_over_128_kb_is_413_and_one_under_is_read(api, klass):
    anna = join(api, klass, "Anna")
    connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
    over = json.dumps({"paragraph": 1, "text": "x" * MAX_BODY_BYTES, "client_seq": 1}).encode()
    under = json.dumps({"paragraph": 1, "text": "y" * 20_000, "client_seq": 1}).encode()
    headers = {"Content-Type": "application/json", "X-Reader-Student": anna["token"]}
    for body, status in ((over, 413), (under, 200)):  # on one connection: the refusal leaves it usable
        connection.request("POST", "/class/api/note", body=body, headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert response.status == status, answer
    connection.close()
    assert answer == {"applied": True}
    assert api.call("GET", "state", student=anna["token"]).json["notes"] == {"1": "y" * 20_000}


def test_a_chunked_body_over_the_limit_is_refused(api, klass):
    anna = join(api, klass, "Anna")
    connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
    chunks = (b"x" * 16384 for _ in range(10))  # 160 KB, no Content-Length
    headers = {"Content-Type": "application/json", "X-Reader-Student": anna["token"], "Transfer-Encoding": "chunked"}
    connection.request("POST", "/class/api/note", body=chunks, headers=headers, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def test_bad_requests_are_one_line_of_json(api, klass):
    anna = join(api, klass, "Anna")
    cases = [
        (b"not json", "the request body is not JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (json.dumps({"text": "x", "client_seq": 1}).encode(), "paragraph: missing from the request"),
        (json.dumps({"paragraph": "1; DROP", "text": "x", "client_seq": 1}).encode(), "paragraph: expected"),
        (b"[" * 60_000 + b"]" * 60_000, "JSON"),
    ]
    for raw, expected in cases:
        response = api.call("POST", "note", student=anna["token"], raw=raw)
        assert response.status == 400 and expected in response.json["error"], (raw[:20], response.json)
        assert "\n" not in response.json["error"] and "Traceback" not in response.content.decode()
    assert api.call("GET", "no/such/route").json == {"error": "no such route in the class API"}


def test_no_cors_a_csp_and_no_form_posts(api, klass):
    anna = join(api, klass, "Anna")
    preflight = api.call(
        "OPTIONS", "note", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 405
    answers = [
        preflight,
        api.call("GET", "state", student=anna["token"], headers={"Origin": "http://evil.example"}),
        api.call("GET", "no/such/route"),
        api.call("GET", "state", student="wrong"),
    ]
    for answer in answers:
        assert not [name for name, _value in answer.getheaders() if name.lower().startswith("access-control-")]
        for name, value in SECURITY_HEADERS.items():
            assert answer.getheader(name) == value
    form = api.call(
        "POST",
        "note",
        raw=b"paragraph=1&text=x",
        student=anna["token"],
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status == 415


def test_tokens_and_query_strings_never_reach_the_log(api, klass, caplog):
    caplog.set_level(logging.INFO, logger="reader.classroom.access")
    anna = join(api, klass, "Anna")
    api.call("GET", "state", student=anna["token"])
    api.call("GET", "distribution?claim_id=c01-1", student=anna["token"])
    api.call("GET", "teacher/summary", teacher=klass.teacher_secret)
    api.call("GET", f"state?token={anna['token']}")
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "reader.classroom.access")
    assert "GET /class/api/state 200" in logged and "POST /class/api/join 200" in logged
    assert anna["token"] not in logged and klass.teacher_secret not in logged and "?" not in logged


@pytest.mark.slow
def test_the_service_runs_as_a_command_and_stops_on_sigterm(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reader.classroom.service", "--db", str(tmp_path / "class.db"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert first_line.strip() == f"reader class service: listening on http://127.0.0.1:{port}/class/api/"
        assert Api(port).call("GET", "health").json == {"ok": True, "schema_version": 2}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "class.db").is_file()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--port", "70000"], "--port 70000: expected 0 to 65535"),
        (["--db", "postgresql+psycopg://reader@127.0.0.1:1/none"], "error: the class store"),
    ],
)
def test_the_command_fails_in_one_line(tmp_path, arguments, expected):
    command = [sys.executable, "-m", "reader.classroom.service", "--db", str(tmp_path / "c.db"), *arguments]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 120


def test_a_hub_service_can_say_who_is_asking_instead_of_the_headers(database_url):
    """As a JupyterHub service does: the identity is the hub's user (here a stand-in header the 'hub' sets)."""
    store = ClassStore(database_url)
    klass = store.create_class("khrushchevs-purges", "History 9B")
    tokens: dict[str, str] = {}

    def student_token_of(handler):
        user = handler.request.headers.get("X-Stand-In-Hub-User")
        if user and user != "teacher":
            tokens.setdefault(user, store.hub_student(klass.class_id, user).token)
            return tokens[user]
        return None

    def teacher_secret_of(handler):
        return klass.teacher_secret if handler.request.headers.get("X-Stand-In-Hub-User") == "teacher" else None

    running = ServiceThread(store, student_token_of=student_token_of, teacher_secret_of=teacher_secret_of)
    try:
        api = Api(running.port)
        anna, boris = {"X-Stand-In-Hub-User": "anna"}, {"X-Stand-In-Hub-User": "boris"}
        body = {"paragraph": 1, "text": "Anna's", "client_seq": 1}
        assert api.call("POST", "note", body, headers=anna).status == 200
        assert api.call("GET", "state", headers=boris).json["notes"] == {}
        assert api.call("GET", "state", headers=anna).json["student"]["name"] == "anna"
        # with a resolver, a token in the header is not an identity, nor is a secret
        assert api.call("GET", "state", student=tokens["anna"]).status == 403
        assert api.call("GET", "teacher/summary", teacher=klass.teacher_secret).status == 403
        assert api.call("GET", "teacher/summary", headers=anna).status == 403
        teacher = {"X-Stand-In-Hub-User": "teacher"}
        assert api.call("GET", "teacher/summary", headers=teacher).json["students"] == 2
    finally:
        running.stop()
        store.close()


def test_every_route_refuses_a_caller_without_credentials_for_it(service, api, klass):
    """Found from the application's own routing table, so that a route added later is checked too."""
    from reader.classroom.service import make_app

    app = make_app(service.store)
    paths = [rule.matcher.regex.pattern.rstrip("$") for rule in app.wildcard_router.rules]
    assert len(paths) >= 14
    other = service.store.create_class("khrushchevs-purges", "another class")
    anna = join(api, klass, "Anna")
    api.call("POST", "note", {"paragraph": 1, "text": "Anna's secret note", "client_seq": 1}, student=anna["token"])
    checked = 0
    for path in paths:
        route = path.removeprefix("/class/api/")
        if route in ("join", "health"):
            continue
        for method in ("GET", "POST"):
            for credentials in ({}, {"student": "forged"}, {"teacher": other.teacher_secret}):
                answer = api.call(method, route, {"claim_id": "c01-1", "confirm": True}, **credentials)
                own_class = "teacher" in credentials and route.startswith("teacher/")
                assert answer.status in (403, 405) or own_class, (method, route, credentials, answer.status)
                assert b"Anna" not in answer.content  # another class's teacher sees only their own class
                checked += 1
    assert checked >= 12 * 2 * 3
    assert api.call("GET", "state", student=anna["token"]).json["notes"] == {"1": "Anna's secret note"}


def test_refusals_leave_a_kept_alive_connection_usable(api, klass):
    """A proxy (JupyterHub's) or RemoteClassStore reuses connections: a refused request must not break the next."""
    anna = join(api, klass, "Anna")
    connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
    requests = [
        ({"Content-Type": "text/plain", "X-Reader-Student": anna["token"]}, b"paragraph=1", 415),
        ({"Content-Type": "application/json", "X-Reader-Student": "forged"}, b'{"paragraph": 1}', 403),
        ({"Content-Type": "application/json", "X-Reader-Student": anna["token"]}, b"{not json", 400),
        (
            {"Content-Type": "application/json", "X-Reader-Student": anna["token"]},
            json.dumps({"paragraph": 1, "text": "kept", "client_seq": 1}).encode(),
            200,
        ),
    ]
    for headers, body, status in requests:
        connection.request("POST", "/class/api/note", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == status and not response.will_close
    connection.close()
    assert api.call("GET", "state", student=anna["token"]).json["notes"] == {"1": "kept"}
