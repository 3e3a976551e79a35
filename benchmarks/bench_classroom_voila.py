"""Thirty students open the Voilà app at once, then each pages through all 11 paragraphs; against a trivial
one-widget Voilà app under the same load.

    .venv/bin/python benchmarks/bench_classroom_voila.py [--students 30]

Students are protocol-level clients (the page over HTTP, then the kernel's websocket, as the page's script does),
not 30 browsers: on a 2-core machine 30 Chromium pages measure Chromium, not the server. Both servers run with the
settings `reader app` ships (IPC kernels, culling), here with a short cull time so that leftover kernels can be
counted after the pages close (as processes under the server and as kernel connection files). As `reader app`
does, the reader's edition is checked once before the server starts, so the kernels find it validated.
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat
from common import REPOSITORY, kernel_message, main_guard, median, percentile, report
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

sys.path.insert(0, str(REPOSITORY / "tests" / "browser"))
from harness import Server, free_port, remove_home, throwaway_home  # noqa: E402

from reader.app_server import app_notebook_path  # noqa: E402

TRIVIAL_APP = """import ipywidgets as widgets
state = {"number": 1}
position = widgets.HTML('<span class="reader-position">¶1 of 11</span>')
button = widgets.Button(description="Next ▶")
def step(_button):
    state["number"] = state["number"] % 11 + 1  # after the last paragraph, the first again (as "First" does)
    position.value = f'<span class="reader-position">¶{state["number"]} of 11</span>'
button.on_click(step)
widgets.VBox([button, position])"""
CULL_SECONDS = 20
READER_NEXT = ".reader-paragraph-reader button.jupyter-button:nth-child(3)"


def message(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> str:
    return json.dumps(kernel_message(session, msg_type, content, metadata))


async def student(base_url: str, paragraphs: int) -> dict:
    """Open the page, connect to its kernel, fetch the widgets' state, then click Next until the last paragraph."""
    start = time.perf_counter()
    client = AsyncHTTPClient()
    page = (await client.fetch(base_url + "/", request_timeout=600)).body.decode()
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1)
    session = uuid.uuid4().hex
    socket = await websocket_connect(
        HTTPRequest(
            f"{base_url.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?session_id={session}",
            headers={"Origin": base_url},
        ),
        max_message_size=256 * 1024 * 1024,
    )
    control = uuid.uuid4().hex
    await socket.write_message(
        message(
            session,
            "comm_open",
            {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
            {"version": "1.0.0"},
        )
    )
    await socket.write_message(message(session, "comm_msg", {"comm_id": control, "data": {"method": "request_states"}}))
    states = None
    while states is None:
        reply = json.loads(await socket.read_message())
        data = reply.get("content", {}).get("data", {})
        if reply.get("msg_type") == "comm_msg" and data.get("method") == "update_states":
            states = data["states"]
    ready = time.perf_counter() - start
    button = next(
        model
        for model, entry in states.items()
        if entry["model_name"] == "ButtonModel" and entry["state"].get("description") == "Next ▶"
    )
    position = next(
        model
        for model, entry in states.items()
        if entry["model_name"] == "HTMLModel" and "reader-position" in str(entry["state"].get("value"))
    )
    changes = []
    for number in range(2, paragraphs + 1):
        clicked = time.perf_counter()
        await socket.write_message(
            message(
                session, "comm_msg", {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}}
            )
        )
        while True:
            reply = json.loads(await socket.read_message())
            content = reply.get("content", {})
            value = content.get("data", {}).get("state", {}).get("value", "")
            if content.get("comm_id") == position and f"¶{number} of" in str(value):
                break
        changes.append(time.perf_counter() - clicked)
    socket.close()
    return {"ready": ready, "changes": changes}


async def classroom(base_url: str, students: int, paragraphs: int) -> dict:
    start = time.perf_counter()
    results = await asyncio.gather(*(student(base_url, paragraphs) for _ in range(students)), return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    done = [result for result in results if not isinstance(result, BaseException)]
    return {
        "all_ready": max((result["ready"] for result in done), default=float("nan")),
        "wall": time.perf_counter() - start,
        "changes": [change for result in done for change in result["changes"]],
        "failures": [repr(failure) for failure in failures],
    }


def kernel_processes(server: Server, folders: set[Path]) -> dict[str, int]:
    """Kernels still running, counted two ways: the server's kernel processes (not zombies), and the connection
    files its kernel manager keeps (it deletes one when it shuts its kernel down) in the folders seen so far."""
    import psutil

    children = 0
    for process in psutil.Process(server.process.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            command = process.cmdline()
            if process.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(command):
                children += 1
                if "-f" in command:
                    folders.add(Path(command[command.index("-f") + 1]).parent)
    files = sum(len(list(folder.glob("kernel-*.json"))) for folder in folders)
    return {"processes": children, "connection files": files}


BROWSER_CLICK_INTERVAL = 0.25  # seconds between the sampled page's clicks, from its first paragraph to the load's end
BROWSER_MIN_CLICKS = 10


def sample_browser(base_url: str, button: str, load_done: threading.Event, out: dict) -> None:
    """One real Chromium page opened with the students: its time to the first paragraph, then a click every
    BROWSER_CLICK_INTERVAL until the students are done (at least BROWSER_MIN_CLICKS), each timed in the page."""
    from bench_click import MEASURE_CLICK, RESET
    from harness import launch_browser, offline_page
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page = offline_page(browser)
            start = time.perf_counter()
            page.goto(base_url + "/", wait_until="domcontentloaded")
            page.wait_for_selector(".reader-position", timeout=300_000)
            out["ready"] = time.perf_counter() - start
            clicks, during_load = [], 0
            while not load_done.is_set() or len(clicks) < BROWSER_MIN_CLICKS:
                loaded = load_done.is_set()
                latency = page.evaluate(MEASURE_CLICK, [button, ".reader-position", RESET]) / 1000
                if latency == latency:  # NaN: nothing changed within 10 s
                    clicks.append(latency)
                    during_load += not loaded
                time.sleep(BROWSER_CLICK_INTERVAL)
            out["clicks"], out["during_load"] = clicks, during_load
            out["clicks_done_at"] = time.perf_counter() - start
            browser.close()
    except Exception as error:  # reported beside the figures, not raised from a thread
        out["error"] = repr(error)


def run(notebook: Path, students: int, paragraphs: int, button: str) -> dict:
    home = throwaway_home()
    port = free_port()
    from reader.app_server import voila_command

    command = voila_command(port=port, open_browser=False)
    command[command.index(app_notebook_path())] = str(notebook)
    command = [
        part
        for part in command
        if not part.startswith(("--MappingKernelManager.cull_interval", "--MappingKernelManager.cull_idle_timeout"))
    ]
    command += [
        f"--MappingKernelManager.cull_interval={CULL_SECONDS // 2}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_SECONDS}",
    ]
    environment = {"READER_NOTES_DIR": str(home / "notes"), "XDG_CACHE_HOME": str(home / "cache")}
    if notebook == Path(app_notebook_path()):
        # What `reader app` does before it starts Voilà: check the edition once, leaving it validated in the cache.
        subprocess.run(
            [sys.executable, "-m", "reader", "check"],
            env={**os.environ, **environment},
            check=True,
            capture_output=True,
        )
    server = Server(command, port, "", home, "/voila/static/voila.js", environment)
    try:
        sampled: dict = {}
        load_done = threading.Event()
        browser = threading.Thread(target=sample_browser, args=(server.base_url, button, load_done, sampled))
        browser.start()
        result = asyncio.run(classroom(server.base_url, students, paragraphs))
        load_done.set()
        browser.join()
        result["browser"] = sampled
        import psutil

        server_process = psutil.Process(server.process.pid)
        result["server_cpu"] = sum(server_process.cpu_times()[:2])
        result["kernels_cpu"] = 0.0
        for child in server_process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                result["kernels_cpu"] += sum(child.cpu_times()[:2])
        folders: set[Path] = set()
        result["kernels_at_end"] = kernel_processes(server, folders)
        time.sleep(CULL_SECONDS * 2.5)
        result["kernels_left"] = kernel_processes(server, folders)
        return result
    finally:
        server.stop()
        remove_home(home)


def describe(name: str, students: int, result: dict) -> None:
    print(
        f"  {name}: all {students} ready in {result['all_ready']:.1f} s; "
        f"{len(result['changes'])} paragraph changes, median {median(result['changes']) * 1000:.0f} ms, "
        f"p95 {percentile(result['changes'], 0.95) * 1000:.0f} ms; failures {len(result['failures'])}; "
        f"CPU: server {result['server_cpu']:.1f} s, kernels {result['kernels_cpu']:.1f} s; "
        f"kernels when the pages closed {result['kernels_at_end']}, {CULL_SECONDS * 2.5:.0f} s later "
        f"{result['kernels_left']}",
        flush=True,
    )
    for failure in result["failures"][:3]:
        print(f"    failure: {failure}")
    sampled = result["browser"]
    if "error" in sampled:
        print(f"    the sampled browser page failed: {sampled['error']}")
    else:
        print(
            f"    a real Chromium page opened with them: first paragraph shown after {sampled['ready']:.1f} s; "
            f"{len(sampled['clicks'])} clicks ({sampled['during_load']} while the students were still at work), "
            f"median {median(sampled['clicks']) * 1000:.0f} ms, p95 "
            f"{percentile(sampled['clicks'], 0.95) * 1000:.0f} ms (the students were all ready at "
            f"{result['all_ready']:.1f} s, done at {result['wall']:.1f} s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each app; medians are compared")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-classroom-"))
    trivial = folder / "trivial.ipynb"
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TRIVIAL_APP)])
    book.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(book, trivial)
    bases, mines = [], []
    for number in range(1, arguments.runs + 1):
        print(f"run {number} of {arguments.runs}", flush=True)
        bases.append(run(trivial, arguments.students, 11, "button.jupyter-button"))
        describe("trivial app", arguments.students, bases[-1])
        mines.append(run(Path(app_notebook_path()), arguments.students, 11, READER_NEXT))
        describe("reader app", arguments.students, mines[-1])

    def pooled(results: list[dict], key: str) -> list:
        return [value for result in results for value in result[key]]

    def clicks(results: list[dict]) -> list[float]:
        return [value for result in results for value in result["browser"].get("clicks", [])]

    results = [
        report(
            f"{arguments.students} students: time until all are ready (median of {arguments.runs} runs)",
            median([result["all_ready"] for result in mines]),
            "trivial app",
            median([result["all_ready"] for result in bases]),
            1.2,
            unit="s",
            scale=1,
        ),
        report(
            f"{arguments.students} students: p95 paragraph change (all runs)",
            percentile(pooled(mines, "changes"), 0.95),
            "trivial app",
            percentile(pooled(bases, "changes"), 0.95),
            1.3,
        ),
    ]
    if clicks(mines) and clicks(bases):
        results.append(
            report(
                f"{arguments.students} students: a real page's click Next → new paragraph (median; reported)",
                median(clicks(mines)),
                "trivial app",
                median(clicks(bases)),
                None,
            )
        )
    failures = sum(len(result["failures"]) for result in mines)
    left = [result["kernels_left"] for result in mines]
    print(f"reader app: failures {failures}; kernels left after culling, each run: {left}")
    print(json.dumps({"results": results, "failures": failures, "kernels_left": left}))


if __name__ == "__main__":
    main_guard(main)
