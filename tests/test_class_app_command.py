"""``reader app --class``: the class's folder and file, the service beside Voilà, the links printed."""

import contextlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from reader.classroom.class_server import ClassSetupError, class_folder, prepare_class
from reader.classroom.store import ClassStore
from reader.cli import main

START_SECONDS = 120


@pytest.fixture
def class_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("READER_CLASS_DIR", str(tmp_path / "reader-class"))
    return tmp_path / "reader-class"


def test_a_class_is_made_once_and_used_again(class_dir):
    first = prepare_class("khrushchevs-purges", "A title")
    assert not first.reused and first.folder == class_folder("khrushchevs-purges") == class_dir / "khrushchevs-purges"
    class_file = first.folder / "class.json"
    assert stat.S_IMODE(class_file.stat().st_mode) == 0o600, "it holds the teacher secret"
    assert stat.S_IMODE(first.folder.stat().st_mode) == 0o700
    saved = json.loads(class_file.read_text())
    assert (saved["code"], saved["teacher_secret"]) == (first.code, first.teacher_secret)
    again = prepare_class("khrushchevs-purges", "A title")
    assert again.reused and (again.code, again.teacher_secret) == (first.code, first.teacher_secret)


def test_a_class_the_store_no_longer_has_is_made_anew(class_dir):
    first = prepare_class("khrushchevs-purges", "A title")
    store = ClassStore(first.database)
    store.delete_class(first.teacher_secret)
    store.close()
    again = prepare_class("khrushchevs-purges", "A title")
    assert not again.reused and again.code != first.code


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"format": 99}'])
def test_a_class_file_that_is_not_one_is_one_line_and_left_alone(class_dir, content):
    folder = class_dir / "khrushchevs-purges"
    folder.mkdir(parents=True)
    (folder / "class.json").write_text(content)
    with pytest.raises(ClassSetupError, match=r"class\.json: .*move it away to start a new class"):
        prepare_class("khrushchevs-purges", "A title")
    assert (folder / "class.json").read_text() == content


def test_db_without_class_is_refused_in_one_line(capsys):
    assert main(["app", "--no-browser", "--db", "sqlite:///x.db"]) == 1
    assert capsys.readouterr().err == "error: --db is for a class: add --class\n"


def read_until(path, pattern: str, process) -> re.Match:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        found = re.search(pattern, path.read_text())
        if found:
            return found
        if process.poll() is not None:
            raise AssertionError(f"stopped: {path.read_text()}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.5)
    raise AssertionError(f"not printed: {pattern}: {path.read_text()}")


@pytest.mark.slow
def test_reader_app_class_prints_the_links_and_code_and_stops_its_service(tmp_path, class_dir):
    from test_app_command import free_port

    port = free_port()
    log_path = tmp_path / "out.log"
    environment = {**os.environ, "HOME": str(tmp_path), "READER_CLASS_DIR": str(class_dir)}
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "reader", "app", "--class", "--no-browser", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        read_until(log_path, r"teacher \(keep it to yourself\): ", server)
        printed = log_path.read_text()
        code = re.search(r"class code: +([A-Z0-9]{8})\n", printed).group(1)
        assert f"students open: http://127.0.0.1:{port}/\n" in printed
        secret = re.search(rf"http://127\.0\.0\.1:{port}/\?teacher=(\S+)\n", printed).group(1)
        assert "this computer only" in printed and "--host 0.0.0.0" in printed
        saved = json.loads((class_dir / "khrushchevs-purges" / "class.json").read_text())
        assert (saved["code"], saved["teacher_secret"]) == (code, secret)
        assert stat.S_IMODE((class_dir / "khrushchevs-purges" / "class.json").stat().st_mode) == 0o600
        services = [
            child
            for child in psutil.Process(server.pid).children(recursive=True)
            if "reader.classroom.service" in " ".join(child.cmdline())
        ]
        assert len(services) == 1
        listening = [
            connection.laddr
            for connection in services[0].net_connections(kind="tcp")
            if connection.status == psutil.CONN_LISTEN
        ]
        assert listening and {address.ip for address in listening} == {"127.0.0.1"}, "the service is local only"
        service_url = f"http://127.0.0.1:{listening[0].port}/class/api/health"
        with urllib.request.urlopen(service_url, timeout=30) as response:
            assert json.loads(response.read())["ok"] is True
        deadline = time.monotonic() + START_SECONDS
        while True:  # Voilà serves the app
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, log_path.read_text()
                time.sleep(0.5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)
    assert not services[0].is_running() or services[0].status() == psutil.STATUS_ZOMBIE, "the service stopped too"
