"""Real servers and a real browser for end-to-end tests and the README screenshot.

JupyterLab (and later Voilà) start on a free localhost port with a throw-away home, settings and token; Debian's
Chromium is driven by Playwright with the flags that work here as root and without network.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_NOTEBOOK = "notebooks/01-start-here.ipynb"


def chromium_path() -> str | None:
    return next((path for path in CHROMIUM_CANDIDATES if os.access(path, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A Jupyter server process in its own throw-away home; stopped by the PID it was started with."""

    def __init__(
        self,
        command: list[str],
        port: int,
        token: str,
        home: Path,
        ready_path: str,
        environment: dict[str, str] | None = None,
    ):
        self.port, self.token, self.home = port, token, home
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = home / f"server-{port}.log"
        self.notes_dir = home / "reader-notes"
        environment = {
            **os.environ,
            "HOME": str(home),
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "PYTHONUNBUFFERED": "1",
            "READER_NOTES_DIR": str(home / "reader-notes"),
            **(environment or {}),
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=REPOSITORY,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_until_ready(ready_path)

    def _wait_until_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url(path), timeout=30) as response:
                if response.status == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"server not ready after {timeout} s: {self.log_path.read_text()[-3000:]}")

    def url(self, path: str) -> str:
        if not self.token:
            return f"{self.base_url}{path}"
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{separator}token={self.token}"

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.log.close()


def throwaway_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="reader-browser-"))
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return home


def start_lab(home: Path, environment: dict[str, str] | None = None) -> Server:
    port, token = free_port(), "reader-test-token"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={REPOSITORY}",
        "--allow-root",
        f"--LabApp.default_url=/lab/tree/{START_NOTEBOOK}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
    ]
    return Server(command, port, token, home, "/api/status", environment)


def start_voila(home: Path, environment: dict[str, str] | None = None) -> Server:
    """The app exactly as ``reader app`` serves it."""
    from reader.app_server import voila_command

    port = free_port()
    return Server(voila_command(port=port, open_browser=False), port, "", home, "/voila/static/voila.js", environment)


def launch_browser(playwright):
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed (Debian: apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)


def offline_page(browser, viewport=None):
    """A page that can reach only this machine: anything else is refused and recorded in ``page.blocked``."""
    context = browser.new_context(viewport=viewport or {"width": 1300, "height": 1000})
    page = context.new_page()
    page.blocked = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "file:", "data:", "blob:")):
            request_route.continue_()
        else:
            page.blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return page


def remove_home(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)


# --- JupyterLab page actions ----------------------------------------------------------------------------------

NOTEBOOK_READY = ".jp-NotebookPanel .jp-Notebook .jp-Cell"
KERNEL_IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle']"


def open_start_notebook_and_run_all(page, server: Server, attempts: int = 3) -> None:
    """Open the start notebook the way the README's command does (the server's default URL), run every cell.

    JupyterLab can show the kernel as idle before its websocket is connected; a Run All sent then is dropped
    (cells stay unnumbered), so it is sent again until the reader is on screen.
    """
    page.goto(server.url("/?reset"), wait_until="domcontentloaded")
    assert "/lab/tree/" + START_NOTEBOOK in page.url, page.url  # the README's command lands on the start notebook
    page.wait_for_selector(NOTEBOOK_READY, timeout=60_000)
    page.wait_for_selector(KERNEL_IDLE, timeout=60_000)
    for attempt in range(1, attempts + 1):
        page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
        page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
        try:
            page.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=30_000)
            return
        except Exception:
            if attempt == attempts:
                raise
            page.wait_for_selector(KERNEL_IDLE, timeout=60_000)


def open_voila_app(page, server: Server) -> None:
    """Open the app as a student does: its one page, until the reader is on screen."""
    page.goto(server.url("/"), wait_until="domcontentloaded")
    page.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=90_000)
