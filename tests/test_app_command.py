"""``reader app``: Voilà with the settings the classroom measurements chose, serving the reader without code."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from reader.app_server import voila_command


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
        "app.ipynb",
    ):
        assert setting in command


@pytest.mark.slow
def test_reader_app_serves_the_reader(tmp_path):
    port = 18000 + os.getpid() % 1000
    environment = {**os.environ, "HOME": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "reader", "app", "--no-browser", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page = ""
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                    page = response.read().decode("utf-8")
                    break
            except OSError:
                time.sleep(0.5)
        assert "voila" in page.lower()
        assert "reader.open(class_mode=True)" not in page, "code is hidden"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


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
