"""Thirty students on a local JupyterHub each log in, start their server, open the reader notebook and run it;
against the same thirty running a trivial one-widget notebook.

    .venv/bin/python benchmarks/bench_classroom_hub.py [--students 30]

Needs the ``bench`` extra (``.venv/bin/pip install -e '.[test,bench]'``) and npm: configurable-http-proxy is
installed from the npm registry into .cache/chp on the first run.

The hub runs offline: DummyAuthenticator, the simple local process spawner (one home folder per student), the
single-user servers with IPC kernels (a short runtime folder each: a Unix socket path may not pass 107 bytes), one
shared XDG_CACHE_HOME (as in a class, the validated edition is cached by the first kernel). Each load runs on a
fresh hub in its own throw-away folder (trivial first, then the reader), so the second load inherits no running
server, cookie or cache. Afterwards every server is stopped through the hub API, the hub is stopped, and leftover
processes are counted two ways: those recorded under the hub that still run, and any naming the folder.

Students are protocol-level clients, not browsers: log in through the hub's form, start the server (GET
/hub/spawn, as the home page's button does, then the spawn progress stream the pending page reads), load
/user/NAME/lab through the OAuth redirects, open the notebook through the contents API, start its session (kernel)
and run every code cell in order over the kernel's websocket, each ``execute_reply`` must be ``ok``. The time
counted for a student runs from the first login request to the last cell's reply; the spawn is inside it.
Memory is the summed RSS of every process under the hub (proxy, single-user servers, kernels), sampled each second.
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import nbformat
from common import REPOSITORY, kernel_message, main_guard, median, percentile, report
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

sys.path.insert(0, str(REPOSITORY / "tests" / "browser"))
from harness import START_NOTEBOOK, free_port, remove_home, throwaway_home  # noqa: E402

TRIVIAL_NOTEBOOK = "import ipywidgets as widgets; widgets.HTML('hello')"
CHP_DIRECTORY = REPOSITORY / ".cache" / "chp"
CHP_VERSION = "5.3.0"
INSTALL_COMMAND = ".venv/bin/pip install -e '.[test,bench]'"
VENV_BIN = Path(sys.prefix) / "bin"
TIMEOUT = 600


def configurable_http_proxy() -> Path:
    """configurable-http-proxy from the npm registry, installed once into .cache/chp."""
    command = CHP_DIRECTORY / "node_modules" / ".bin" / "configurable-http-proxy"
    if not command.exists():
        if shutil.which("npm") is None:
            sys.exit("npm is needed to install configurable-http-proxy (Debian: apt-get install npm)")
        CHP_DIRECTORY.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(CHP_DIRECTORY)]
            + [f"configurable-http-proxy@{CHP_VERSION}"],
            check=True,
            timeout=300,
        )
    return command


# --- one student's browser, reduced to its cookies and redirects -----------------------------------------------


class Browser:
    """Cookies by (name, path) and manual redirects, as a browser keeps them; every request goes through the proxy."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[tuple[str, str], str] = {}

    def cookie(self, name: str, path: str) -> str:
        matching = [(len(p), value) for (n, p), value in self.cookies.items() if n == name and path.startswith(p)]
        return max(matching)[1]

    def cookie_header(self, path: str) -> str:
        chosen: dict[str, tuple[int, str]] = {}
        for (name, cookie_path), value in self.cookies.items():
            if path.startswith(cookie_path) and len(cookie_path) >= chosen.get(name, (-1, ""))[0]:
                chosen[name] = (len(cookie_path), value)
        return "; ".join(f"{name}={value}" for name, (_, value) in chosen.items())

    def keep(self, response) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                key = (name, morsel["path"] or "/")
                if morsel.value == "" or morsel["max-age"] in ("0", 0) or "1970" in str(morsel["expires"]):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value

    async def fetch(self, path: str, method: str = "GET", body=None, headers=None, follow: bool = True, **options):
        client = AsyncHTTPClient()
        for _ in range(10):
            request_headers = {"Cookie": self.cookie_header(urlsplit(path).path), **(headers or {})}
            response = await client.fetch(
                self.base_url + path,
                method=method,
                body=body,
                headers=request_headers,
                follow_redirects=False,
                raise_error=False,
                request_timeout=TIMEOUT,
                connect_timeout=TIMEOUT,
                **options,
            )
            if response.code == 599:
                raise response.error
            self.keep(response)
            if not (follow and response.code in (301, 302, 303, 307)):
                return response
            location = urljoin(self.base_url + path, response.headers["Location"])
            path = location[len(self.base_url) :] if location.startswith(self.base_url) else location
            method, body = "GET", None
        raise RuntimeError(f"too many redirects at {path}")


def expect(response, *codes: int):
    if response.code not in codes:
        raise RuntimeError(
            f"{response.request.method} {response.effective_url}: {response.code} {response.body[:300]!r}"
        )
    return response


async def student(base_url: str, name: str, notebook: str) -> dict:
    """Log in, start the server, open the notebook and run all its code cells; times from the first request."""
    start = time.perf_counter()
    browser = Browser(base_url)
    page = expect(await browser.fetch("/hub/login"), 200).body.decode()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
    form = urlencode({"username": name, "password": "any", "_xsrf": xsrf})
    expect(await browser.fetch("/hub/login", "POST", form, follow=False), 302)
    logged_in = time.perf_counter() - start

    expect(await browser.fetch("/hub/spawn", follow=False), 302)
    events = []
    expect(
        await browser.fetch(
            f"/hub/api/users/{name}/server/progress",
            headers={"Accept": "text/event-stream"},
            streaming_callback=lambda chunk: events.append(chunk.decode()),
        ),
        200,
    )
    last = [json.loads(line[5:]) for line in "".join(events).splitlines() if line.startswith("data:")][-1]
    if not last.get("ready"):
        raise RuntimeError(f"{name}: spawn failed: {last}")
    lab = expect(await browser.fetch(f"/user/{name}/lab"), 200)
    if not lab.effective_url.startswith(f"{base_url}/user/{name}/lab"):
        raise RuntimeError(f"{name}: landed on {lab.effective_url}")
    expect(await browser.fetch(f"/user/{name}/api/status"), 200)
    server_ready = time.perf_counter() - start

    xsrf = browser.cookie("_xsrf", f"/user/{name}/")
    headers = {"X-XSRFToken": xsrf, "Content-Type": "application/json"}
    model = json.loads(expect(await browser.fetch(f"/user/{name}/api/contents/{notebook}?content=1"), 200).body)
    cells = [cell["source"] for cell in model["content"]["cells"] if cell["cell_type"] == "code"]
    body = json.dumps({"path": notebook, "name": notebook, "type": "notebook", "kernel": {"name": "python3"}})
    session = json.loads(expect(await browser.fetch(f"/user/{name}/api/sessions", "POST", body, headers), 201).body)
    kernel_id, session_id = session["kernel"]["id"], uuid.uuid4().hex
    socket = await websocket_connect(
        HTTPRequest(
            f"{base_url.replace('http', 'ws')}/user/{name}/api/kernels/{kernel_id}/channels?session_id={session_id}",
            headers={"Origin": base_url, "Cookie": browser.cookie_header(f"/user/{name}/api/kernels")},
            request_timeout=TIMEOUT,
            connect_timeout=TIMEOUT,
        ),
        max_message_size=256 * 1024 * 1024,
    )
    try:
        for number, source in enumerate(cells, 1):
            request = kernel_message(
                session_id, "execute_request", {"code": source, "silent": False, "store_history": True}
            )
            await socket.write_message(json.dumps(request))
            while True:
                text = await socket.read_message()
                if text is None:
                    raise RuntimeError(f"{name}: kernel websocket closed during cell {number}")
                reply = json.loads(text)
                parent = reply.get("parent_header", {}).get("msg_id")
                if parent == request["header"]["msg_id"] and reply["msg_type"] == "execute_reply":
                    break
            if reply["content"]["status"] != "ok":
                content = reply["content"]
                raise RuntimeError(f"{name}: cell {number}: {content.get('ename')}: {content.get('evalue')}")
    finally:
        socket.close()
    return {"logged_in": logged_in, "server_ready": server_ready, "done": time.perf_counter() - start}


async def classroom(base_url: str, students: list[str], notebook: str) -> dict:
    AsyncHTTPClient.configure(None, max_clients=max(10, 2 * len(students)))
    start = time.perf_counter()
    results = await asyncio.gather(*(student(base_url, name, notebook) for name in students), return_exceptions=True)
    return {
        "wall": time.perf_counter() - start,
        "students": [result for result in results if not isinstance(result, BaseException)],
        "failures": [repr(result) for result in results if isinstance(result, BaseException)],
    }


# --- the hub and its processes ---------------------------------------------------------------------------------


def descendants(pid: int) -> list:
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        return psutil.Process(pid).children(recursive=True)
    return []


class MemorySampler(threading.Thread):
    """Summed RSS of the hub's descendants each second; also remembers every process seen, to check for leftovers."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.seen, self.stopping = pid, 0, {}, threading.Event()

    def sample(self) -> int:
        import psutil

        total = 0
        for process in descendants(self.pid):
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
                self.seen.setdefault((process.pid, process.create_time()), command_line(process))
        self.peak = max(self.peak, total)
        return total

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.sample()


def processes_alive(seen: dict) -> list[str]:
    """Processes recorded under the hub during the run that still run (same pid and start time, not a zombie)."""
    import psutil

    alive = []
    for (pid, created), command in seen.items():
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            if process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{pid} {command}")
    return alive


def processes_of_folder(folder: Path) -> dict[int, str]:
    """Any process on the machine whose command line or environment names the run's throw-away folder."""
    import psutil

    found = {}
    for process in psutil.process_iter(["pid", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            command = " ".join(process.info["cmdline"] or [])
            if (
                process.pid != os.getpid()
                and process.status() != psutil.STATUS_ZOMBIE
                and (str(folder) in command or any(str(folder) in value for value in process.environ().values()))
            ):
                found[process.pid] = command
    return found


def command_line(process) -> str:
    import psutil

    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def count_kinds(commands) -> dict[str, int]:
    kinds = ("jupyterhub-singleuser", "ipykernel_launcher", "configurable-http-proxy")
    commands = list(commands)
    return {kind: sum(kind in command for command in commands) for kind in kinds}


def hub_config(folder: Path, port: int, token: str, students: int) -> str:
    args = ["--allow-root"] if os.geteuid() == 0 else []
    settings = {
        "JupyterHub.bind_url": f"http://127.0.0.1:{port}",
        "JupyterHub.hub_bind_url": f"http://127.0.0.1:{free_port()}",
        "JupyterHub.cookie_secret_file": str(folder / "jupyterhub_cookie_secret"),
        "JupyterHub.db_url": f"sqlite:///{folder / 'jupyterhub.sqlite'}",
        "JupyterHub.pid_file": str(folder / "jupyterhub.pid"),
        "JupyterHub.authenticator_class": "dummy",
        "Authenticator.allow_all": True,
        "JupyterHub.spawner_class": "simple",
        "SimpleLocalProcessSpawner.home_dir_template": str(folder / "home" / "{username}"),
        "Spawner.cmd": [str(VENV_BIN / "jupyterhub-singleuser")],
        "Spawner.args": args + ["--KernelManager.transport=ipc"],
        "Spawner.default_url": "/lab",
        "Spawner.start_timeout": 300,
        "Spawner.http_timeout": 300,
        "JupyterHub.concurrent_spawn_limit": max(100, students),
        "ConfigurableHTTPProxy.command": [str(configurable_http_proxy())],
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{free_port()}",
        "ConfigurableHTTPProxy.pid_file": str(folder / "proxy.pid"),
        "JupyterHub.services": [{"name": "classroom-benchmark", "api_token": token}],
        "JupyterHub.load_roles": [
            {
                "name": "classroom-benchmark",
                "scopes": ["admin:users", "admin:servers"],
                "services": ["classroom-benchmark"],
            }
        ],
    }
    lines = [f"c.{key} = {value!r}" for key, value in settings.items()]
    # Kernels' IPC sockets live in the runtime folder; under the home folder their path would pass the 107-byte
    # limit of a Unix socket name ("File name too long"), so each student gets a short one.
    lines.append(
        "c.Spawner.environment = {"
        f"'XDG_CACHE_HOME': {str(folder / 'cache')!r}, "
        f"'READER_NOTES_DIR': lambda spawner: {str(folder / 'notes')!r} + '/' + spawner.user.name, "
        f"'JUPYTER_RUNTIME_DIR': lambda spawner: {str(folder / 'run')!r} + '/' + spawner.user.name}}"
    )
    return "\n".join(lines) + "\n"


async def hub_api(base_url: str, token: str, method: str, path: str):
    response = await AsyncHTTPClient().fetch(
        f"{base_url}/hub/api{path}",
        method=method,
        headers={"Authorization": f"token {token}"},
        raise_error=False,
        request_timeout=TIMEOUT,
        allow_nonstandard_methods=True,
    )
    return response


async def stop_servers(base_url: str, token: str, students: list[str]) -> list[str]:
    """Stop every server through the hub API and wait until the hub lists none; returns problems, if any."""
    problems = []
    for name in students:
        response = await hub_api(base_url, token, "DELETE", f"/users/{name}/server")
        if response.code not in (202, 204, 400, 404):
            problems.append(f"DELETE {name}: {response.code}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = await hub_api(base_url, token, "GET", "/users?state=active")
        if response.code == 200 and not json.loads(response.body):
            return problems
        await asyncio.sleep(1)
    return problems + ["servers still active after 120 s"]


def wait_for_hub(process: subprocess.Popen, url: str, log: Path, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited: {log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=10) as response:
            if response.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"jupyterhub not ready after {timeout} s: {log.read_text()[-3000:]}")


def run(notebook: Path, count: int) -> dict:
    """One load on a fresh hub in its own folder: start, run the students, stop everything, check, remove."""
    folder = throwaway_home()
    students = [f"student-{number:02d}" for number in range(1, count + 1)]
    for name in students:
        (folder / "home" / name).mkdir(parents=True)
        shutil.copy(notebook, folder / "home" / name / notebook.name)
    port, token = free_port(), uuid.uuid4().hex
    config = folder / "jupyterhub_config.py"
    config.write_text(hub_config(folder, port, token, count))
    log = folder / "jupyterhub.log"
    environment = {
        **os.environ,
        "HOME": str(folder),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as output:
        hub = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
            cwd=folder,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sampler = MemorySampler(hub.pid)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_hub(hub, f"{base_url}/hub/health", log)
        sampler.start()
        result = asyncio.run(classroom(base_url, students, notebook.name))
        result["memory_end"] = sampler.sample()
        sampler.stopping.set()
        sampler.join()
        result["memory_peak"] = sampler.peak
        result["under_hub_before_stop"] = count_kinds(map(command_line, descendants(hub.pid)))
        result["stop_problems"] = asyncio.run(stop_servers(base_url, token, students))
    except BaseException:
        print(f"hub log tail:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        sampler.stopping.set()
        with contextlib.suppress(ProcessLookupError):
            os.kill(hub.pid, signal.SIGTERM)
        try:
            hub.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait(timeout=10)
        # A kernel can outlive its server by a moment while it shuts down: leftovers are what remains after 15 s.
        deadline = time.monotonic() + 15
        while True:
            left_recorded = processes_alive(sampler.seen)
            left_by_folder = processes_of_folder(folder)
            if not (left_recorded or left_by_folder) or time.monotonic() > deadline:
                break
            time.sleep(1)
        for pid in {int(entry.split()[0]) for entry in left_recorded} | set(left_by_folder):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        remove_home(folder)
    result["left_recorded"] = count_kinds(left_recorded)
    result["left_by_folder"] = count_kinds(left_by_folder.values())
    result["left_total"] = len(left_recorded) + len(left_by_folder)
    result["hub_returncode"] = hub.returncode
    return result


def summary(name: str, result: dict, count: int) -> None:
    done = [entry["done"] for entry in result["students"]]
    timing = "; ".join(
        f"{label} median {median(values):.1f} s, p95 {percentile(values, 0.95):.1f} s"
        for label, values in (
            ("logged in", [entry["logged_in"] for entry in result["students"]]),
            ("server ready", [entry["server_ready"] for entry in result["students"]]),
            ("notebook run", done),
        )
        if values
    )
    megabytes = 1024 * 1024
    print(
        f"  {name}: all {count} have run it in {result['wall']:.1f} s "
        f"({len(result['students'])} succeeded, failures {len(result['failures'])}); per student: {timing}; "
        f"memory peak {result['memory_peak'] / megabytes:.0f} MB ({result['memory_peak'] / megabytes / count:.0f} MB "
        f"per student), at the end {result['memory_end'] / megabytes:.0f} MB; "
        f"under the hub before stopping {result['under_hub_before_stop']}; "
        f"left after stopping: recorded processes {result['left_recorded']}, by folder {result['left_by_folder']}"
        + (f"; stop problems {result['stop_problems']}" if result["stop_problems"] else ""),
        flush=True,
    )
    for failure in result["failures"][:3]:
        print(f"    failure: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    arguments = parser.parse_args()
    if find_spec("jupyterhub") is None or find_spec("psutil") is None:
        print(f"JupyterHub (the bench extra) is not installed; from {REPOSITORY}: {INSTALL_COMMAND}", file=sys.stderr)
        sys.exit(2)
    count = arguments.students
    reader_notebook = REPOSITORY / START_NOTEBOOK
    folder = throwaway_home()
    try:
        trivial = folder / "trivial.ipynb"
        book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TRIVIAL_NOTEBOOK)])
        book.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        nbformat.write(book, trivial)
        base = run(trivial, count)
        summary("trivial notebook", base, count)
        mine = run(reader_notebook, count)
        summary("reader notebook", mine, count)
    finally:
        remove_home(folder)
    all_succeeded = not base["failures"] and not mine["failures"]
    print(f"all {count} students succeeded on both loads: {'yes' if all_succeeded else 'NO'}")
    results = [
        report(
            f"{count} students on JupyterHub: time until all have run the notebook",
            mine["wall"],
            "trivial notebook",
            base["wall"],
            1.2,
            unit="s",
            scale=1,
        ),
        report(
            f"{count} students on JupyterHub: peak memory (RSS of all processes under the hub)",
            mine["memory_peak"],
            "trivial notebook",
            base["memory_peak"],
            None,
            unit="MB",
            scale=1 / (1024 * 1024),
        ),
    ]
    print(
        json.dumps(
            {
                "results": results,
                "students": count,
                "failures": len(mine["failures"]),
                "baseline_failures": len(base["failures"]),
                "memory_per_student_mb": mine["memory_peak"] / (1024 * 1024) / count,
                "memory_end_mb": mine["memory_end"] / (1024 * 1024),
                "processes_left": mine["left_total"] + base["left_total"],
            }
        )
    )
    if not all_succeeded or mine["left_total"] or base["left_total"]:
        sys.exit(1)


if __name__ == "__main__":
    main_guard(main)
