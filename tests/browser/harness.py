"""Real servers and a real browser for end-to-end tests and the README screenshot.

JupyterLab (and later Voilà) start on a free localhost port with a throw-away home, settings and token; Debian's
Chromium is driven by Playwright with the flags that work here as root and without network.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
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
# Timeouts that fit a loaded 2-core CI machine (other work running beside the tests).
SERVER_START_SECONDS = 90
PAGE_READY_MS = 90_000
UI_WAIT_MS = 30_000
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
LOCAL_SCHEMES = ("data", "blob", "file", "about")

# Every request any offline page tried to send off this machine, since the current test began (the browser tests'
# conftest fails the test at teardown if there is one).
LEFT_THE_MACHINE: list[str] = []


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

    def _wait_until_ready(self, path: str, timeout: float = SERVER_START_SECONDS) -> None:
        """Poll until the server answers ``path`` (a state: the process is polled too, so a crash ends the wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url(path), timeout=30) as response:
                if response.status == 200:
                    return
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.5)  # returns at once if the server stops
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


def is_local(url: str) -> bool:
    """Whether ``url`` stays on this machine (the host is compared, not a prefix: 127.0.0.1.example.org is not)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS


def offline_page(browser, viewport=None):
    """A page whose context can reach only this machine: any other request is refused, recorded in ``page.blocked``
    and in :data:`LEFT_THE_MACHINE` (which fails the test). ``page.requests`` lists every request let through."""
    context = browser.new_context(viewport=viewport or {"width": 1300, "height": 1000})
    context.set_default_timeout(UI_WAIT_MS)
    page = context.new_page()
    page.blocked, page.requests = [], []

    def route(request_route):
        url = request_route.request.url
        if is_local(url):
            page.requests.append(url)
            request_route.continue_()
        else:
            page.blocked.append(url)
            LEFT_THE_MACHINE.append(url)
            request_route.abort()

    context.route("**/*", route)  # the context's route covers every page, frame and worker it opens
    return page


def wait_for_frames(page, count: int = 2) -> None:
    """Wait until the page has painted ``count`` more frames (what a change in the DOM has caused is on screen)."""
    page.evaluate(
        """(count) => new Promise(resolve => {
            const next = left => left ? requestAnimationFrame(() => next(left - 1)) : resolve();
            next(count);
        })""",
        count,
    )


def remove_home(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)


# --- JupyterLab page actions ----------------------------------------------------------------------------------

NOTEBOOK_READY = ".jp-NotebookPanel .jp-Notebook .jp-Cell"
KERNEL_IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle']"


def wait_until_kernel_idle(page) -> None:
    """The notebook's kernel is idle in the toolbar AND in the status bar: a Run All sent while the status bar still
    says "Initializing" can be dropped or raise a "Select Kernel" dialog."""
    page.wait_for_selector(KERNEL_IDLE, timeout=PAGE_READY_MS)
    page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\|\s*Idle")).first.wait_for(timeout=PAGE_READY_MS)


def open_start_notebook_and_run_all(page, server: Server, attempts: int = 3) -> None:
    """Open the start notebook the way the README's command does (the server's default URL), run every cell.

    JupyterLab can show the kernel as idle before its websocket is connected; a Run All sent then is dropped
    (cells stay unnumbered) or raises a kernel dialog (accepted: the notebook's own kernel), so it is sent again
    until the reader is on screen.
    """
    page.goto(server.url("/?reset"), wait_until="domcontentloaded")
    assert "/lab/tree/" + START_NOTEBOOK in page.url, page.url  # the README's command lands on the start notebook
    page.wait_for_selector(NOTEBOOK_READY, timeout=PAGE_READY_MS)
    wait_until_kernel_idle(page)
    for attempt in range(1, attempts + 1):
        page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
        page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
        try:
            page.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=PAGE_READY_MS // attempts)
            return
        except Exception:
            if attempt == attempts:
                raise
            dialog = page.locator(".jp-Dialog")
            if dialog.count():
                print(f"JupyterLab dialog during Run All: {dialog.first.inner_text()!r}; accepted")
                dialog.locator(".jp-mod-accept").first.click()
            wait_until_kernel_idle(page)


def open_voila_app(page, server: Server) -> None:
    """Open the app as a student does: its one page, until the reader is on screen."""
    page.goto(server.url("/"), wait_until="domcontentloaded")
    page.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=PAGE_READY_MS)


# --- the static site (reader site) ----------------------------------------------------------------------------

# A cold start in the browser (Pyodide, the kernel's wheels, the reader) takes tens of seconds on a loaded machine.
SITE_READY_MS = 240_000


def start_static_site(site: Path, home: Path) -> Server:
    """A plain static server (Python's http.server) for a folder ``reader site`` built: what any web host does."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)]
    return Server(command, port, "", home, "/index.html")


def open_static_site(page, server: Server) -> None:
    """Open the site's front page as a student does, until the reader (running in the page) shows its paragraph."""
    page.goto(server.url("/"), wait_until="domcontentloaded")
    page.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=SITE_READY_MS)
