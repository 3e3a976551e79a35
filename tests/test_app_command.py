"""``reader app``: Voilà with the settings the classroom measurements chose, serving the reader without code."""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from reader.app_server import served_url, voila_command, with_template_folder
from reader.cli import main
from reader.paths import default_edition_path

SERVER_START_SECONDS = 60  # a loaded 2-core CI machine
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def app_server(*arguments, environment=None):
    """``reader app ARGUMENTS`` in its own session, stopped (with its Voilà and kernels) at the end."""
    server = subprocess.Popen(
        [sys.executable, "-m", "reader", "app", "--no-browser", *arguments],
        env={**os.environ, **(environment or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def fetch_when_served(url: str, server: subprocess.Popen) -> str:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.read().decode("utf-8")
        except OSError:
            if server.poll() is not None:
                raise AssertionError(f"the server stopped: {server.stdout.read()}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def announced_address(server: subprocess.Popen) -> str:
    for line in server.stdout:
        found = re.match(r"serving the reader on (\S+) ", line)
        if found:
            return found.group(1)
    raise AssertionError("no address announced")


def test_command_has_the_classroom_settings():
    command = " ".join(voila_command(port=9000, open_browser=False))
    for setting in (
        "--KernelManager.transport=ipc",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--strip_sources=True",
        "--no-browser",
        "--port=9000",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--template=reader",
        "app.ipynb",
    ):
        assert setting in command


def test_the_template_is_found_and_links_no_cdn():
    """Voilà's lab template, minus its links to a public CDN, found through JUPYTER_PATH."""
    environment = with_template_folder({"JUPYTER_PATH": "/somewhere/else"})
    first, rest = environment["JUPYTER_PATH"].split(os.pathsep)
    template = os.path.join(first, "voila", "templates", "reader")
    assert rest == "/somewhere/else"
    assert sorted(os.listdir(template)) == ["conf.json", "index.html.j2"]
    with open(os.path.join(template, "index.html.j2"), encoding="utf-8") as page:
        text = page.read()
    assert "extends 'lab/index.html.j2'" in text
    assert not any(host in text for host in CDN_HOSTS)


@pytest.mark.parametrize("port", ["-5", "0", "99999", "abc", "８８６６", "80.5"])
def test_a_bad_port_is_one_line(port, capsys):
    assert main(["app", "--no-browser", "--port", port]) == 1
    assert capsys.readouterr().err == f"error: --port {port}: expected a port number from 1 to 65535\n"


def test_served_address():
    assert served_url("127.0.0.1", 8866) == "http://127.0.0.1:8866/"
    assert served_url("::1", 8866) == "http://[::1]:8866/"
    assert served_url("0.0.0.0", 80) == f"http://{socket.gethostname()}:80/"


@pytest.mark.slow
def test_a_busy_port_stops_reader_app_with_one_line():
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "reader", "app", "--no-browser", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert result.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use (another reader app?); "
        "stop that server or choose another port with --port\n"
    )
    assert "serving" not in result.stdout


@pytest.mark.slow
def test_voila_never_serves_on_another_port_than_the_one_asked(tmp_path):
    """The port may be taken between the check and Voilà's start: Voilà then stops instead of moving elsewhere."""
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        voila = subprocess.run(
            voila_command(port=port, open_browser=False),
            env={**os.environ, "HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=SERVER_START_SECONDS * 2,
        )
    assert voila.returncode != 0
    assert f"The port {port} is already in use" in voila.stderr
    assert "Voilà is running at" not in voila.stderr


@pytest.mark.slow
def test_reader_app_serves_the_reader_at_the_address_it_announces(tmp_path):
    port = free_port()
    with app_server("--port", str(port), environment={"HOME": str(tmp_path)}) as server:
        address = announced_address(server)
        assert address == f"http://127.0.0.1:{port}/"
        page = fetch_when_served(address, server)
    assert "voila" in page.lower()
    assert "reader.open_course(class_mode=True)" not in page, "code is hidden"
    assert "/voila/templates/reader/static/" in page, "served with the reader's template"
    assert not any(host in page for host in CDN_HOSTS), "the page asks nothing of a public CDN"


@pytest.mark.slow
def test_reader_app_serves_the_edition_it_is_given(tmp_path):
    """``reader app EDITION`` checks that edition and every student's kernel reads it (READER_EDITION)."""
    edition = tmp_path / "another-edition"
    shutil.copytree(default_edition_path(), edition)
    for table in [*edition.glob("*.csv"), edition / "source.txt"]:  # the text and its copy in source.txt agree
        table.write_text(
            table.read_text(encoding="utf-8").replace("After Stalin died", "AFTER Stalin died"), encoding="utf-8"
        )
    port = free_port()
    with app_server(
        str(edition), "--port", str(port), environment={"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    ) as server:
        assert server.stdout.readline() == "edition another-edition: valid (11 paragraphs)\n"
        page = fetch_when_served(announced_address(server), server)
    assert "AFTER Stalin died" in page, "the kernel read the edition given, not the default one"


def test_reader_app_refuses_a_folder_that_is_not_an_edition(tmp_path, capsys):
    assert main(["app", "--no-browser", str(tmp_path / "missing")]) == 1
    assert f"error: {tmp_path / 'missing'}: no such edition folder" in capsys.readouterr().err


def test_reader_app_checks_the_edition_before_serving_it(edition_copy, table, tmp_path):
    """A broken edition stops `reader app` with its problems listed, before any student's page is served; a valid
    one is left validated in the cache that every student's kernel then reads."""
    environment = {**os.environ, "READER_EDITION": str(edition_copy), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    table("entities").set(0, "kind", "persn").save()
    broken = subprocess.run(
        [sys.executable, "-m", "reader", "app", "--no-browser", "--port", "1"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert broken.returncode == 1 and "'persn' is not allowed" in broken.stderr
    assert "serving" not in broken.stdout and not (tmp_path / "cache").exists()


def test_reader_app_projector_opens_every_page_in_projector_mode(monkeypatch, tmp_path):
    """``reader app --projector`` tells every student's kernel (READER_PROJECTOR=1); ``reader.open()`` obeys it."""
    import reader
    from reader import cli

    started = {}
    monkeypatch.setattr(cli.os, "execvpe", lambda file, arguments, environment: started.update(environment))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert main(["app", "--no-browser", "--projector", "--port", str(free_port())]) == 0
    assert started["READER_PROJECTOR"] == "1"
    started.clear()
    assert main(["app", "--no-browser", "--port", str(free_port())]) == 0
    assert "READER_PROJECTOR" not in started or started["READER_PROJECTOR"] in ("", "0")
    monkeypatch.setenv("READER_PROJECTOR", "1")
    assert reader.open().projector and "reader-projector" in reader.open()._dom_classes
    monkeypatch.setenv("READER_PROJECTOR", "0")
    assert not reader.open().projector


@pytest.mark.slow
def test_open_reader_with_an_edition_opens_that_edition_s_generated_notebooks(tmp_path):
    """``./open-reader EDITION``: JupyterLab opens on the edition's own notebooks, which load that edition."""
    repository = default_edition_path().parent.parent
    port = free_port()
    environment = {**os.environ, "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    server = subprocess.Popen(
        [
            str(repository / "open-reader"),
            "frus-1957-circular-telegram",
            "--no-browser",
            f"--port={port}",
            "--IdentityProvider.token=open-reader-test",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        ],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        listing = fetch_when_served(
            f"http://127.0.0.1:{port}/api/contents/build/edition-notebooks?token=open-reader-test", server
        )
        names = sorted(item["name"] for item in json.loads(listing)["content"])
        assert names[0] == "01-start-here.ipynb" and len(names) == 7
        start = (repository / "build" / "edition-notebooks" / "01-start-here.ipynb").read_text(encoding="utf-8")
        assert 'reader.load(\\"frus-1957-circular-telegram\\")' in start
        assert "Khrushchev's Purges" not in start
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_reader_app_without_an_edition_serves_every_listed_edition(monkeypatch, capsys):
    """With two editions in editions.yaml, both are checked and no single one is imposed on the kernels."""
    import reader.cli

    monkeypatch.delenv("READER_EDITION", raising=False)
    started = {}
    monkeypatch.setattr(reader.cli, "check_port_free", lambda host, port: None, raising=False)
    monkeypatch.setattr(
        reader.cli.os, "execvpe", lambda file, command, environment: started.update(environment=environment)
    )
    assert main(["app", "--no-browser", "--port", str(free_port())]) == 0
    shown = capsys.readouterr().out
    assert "edition khrushchevs-purges: valid (11 paragraphs)" in shown
    assert "edition frus-1957-circular-telegram: valid (8 paragraphs)" in shown
    assert "READER_EDITION" not in started["environment"]
    assert main(["app", "--no-browser", "--port", str(free_port()), "frus-1957-circular-telegram"]) == 0
    assert started["environment"]["READER_EDITION"].endswith("frus-1957-circular-telegram")


@pytest.mark.slow
def test_reader_app_offers_the_choice_of_text(tmp_path):
    port = free_port()
    environment = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with app_server("--port", str(port), environment=environment) as server:
        page = fetch_when_served(announced_address(server), server)
    assert '"text/plain": "Text 1 of 2: Khrushchev' in page, "the choice of text, on the first edition"
    assert "\\u00b61 of 11" in page, "the first edition's reader below it"
