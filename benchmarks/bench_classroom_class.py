"""Thirty students on `reader app --class` against thirty on the plain `reader app`: each opens the app (joins the
class, in class mode), then on every paragraph writes a note and judges every claim, and moves on.

    .venv/bin/python benchmarks/bench_classroom_class.py [--students 30] [--runs 1]

Students are protocol-level clients (the page over HTTP, then the kernel's websocket, as the page's script does;
see bench_classroom_voila.py). Measured, in the same run for both apps:

- **notes kept per student**: each note's text is unique to its student and paragraph; at the end the notes the app
  kept are read back (the class store's database; the plain app's shared notes file) and counted;
- **time until all students are ready** (the reader on screen; in the class, after joining) and the ratio;
- **p95 note save**: from the note's edit sent to the kernel having handled it (saved to the student's own copy and
  queued for the class, or written to the notes file), and the time until the class store holds every note;
- **p95 judgement** (the Record button's click handled) and **p95 paragraph change** (Next → new position shown).
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from common import REPOSITORY, kernel_message, main_guard, median, percentile, report
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

sys.path.insert(0, str(REPOSITORY / "tests" / "browser"))
from harness import free_port, remove_home, throwaway_home  # noqa: E402

import reader  # noqa: E402

START_SECONDS = 180
TIMEOUT = 600


def message(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> tuple[str, str]:
    body = kernel_message(session, msg_type, content, metadata)
    return body["header"]["msg_id"], json.dumps(body)


class Student:
    """One student's page: the kernel's websocket and the widget models it has seen (state kept up to date)."""

    def __init__(self, base_url: str, name: str):
        self.base_url, self.name = base_url, name
        self.models: dict[str, dict] = {}
        self.session = uuid.uuid4().hex
        self.idle: set[str] = set()

    async def open(self) -> None:
        page = (
            await AsyncHTTPClient().fetch(self.base_url + "/", request_timeout=TIMEOUT, connect_timeout=TIMEOUT)
        ).body.decode()
        kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1)
        self.socket = await websocket_connect(
            HTTPRequest(
                f"{self.base_url.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?session_id={self.session}",
                headers={"Origin": self.base_url},
            ),
            max_message_size=256 * 1024 * 1024,
        )
        control = uuid.uuid4().hex
        await self.send(
            "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}}, {"version": "1.0.0"}
        )
        await self.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        await self.until(lambda reply: reply.get("msg_type") == "comm_msg" and "states" in reply["content"]["data"])

    async def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        msg_id, text = message(self.session, msg_type, content, metadata)
        await self.socket.write_message(text)
        return msg_id

    async def read(self) -> dict:
        reply = json.loads(await self.socket.read_message())
        content, kind = reply.get("content", {}), reply.get("msg_type")
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.models[content["comm_id"]] = dict(content["data"]["state"])
        elif kind == "comm_msg":
            data = content.get("data", {})
            if data.get("method") == "update_states":
                for model_id, entry in data["states"].items():
                    self.models[model_id] = {**entry["state"], "_model_name": entry["model_name"]}
            elif data.get("method") == "update" and content["comm_id"] in self.models:
                self.models[content["comm_id"]].update(data["state"])
        elif kind == "status" and content.get("execution_state") == "idle":
            self.idle.add(reply.get("parent_header", {}).get("msg_id", ""))
        return reply

    async def until(self, condition) -> dict:
        while True:
            reply = await self.read()
            if condition(reply):
                return reply

    def find(self, model_name: str, **state) -> str:
        for model_id, model in self.models.items():
            if model.get("_model_name") == model_name and all(model.get(k) == v for k, v in state.items()):
                return model_id
        raise LookupError(f"{self.name}: no {model_name} with {state}")

    def find_html(self, fragment: str) -> str:
        for model_id, model in self.models.items():
            if model.get("_model_name") == "HTMLModel" and fragment in str(model.get("value", "")):
                return model_id
        raise LookupError(f"{self.name}: no HTML with {fragment!r}")

    async def update(self, model_id: str, **state) -> str:
        return await self.send("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": state}})

    async def click(self, model_id: str) -> str:
        return await self.send(
            "comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": {"event": "click"}}}
        )

    async def handled(self, msg_id: str) -> None:
        """Until the kernel has handled the message (its idle status for it)."""
        while msg_id not in self.idle:
            await self.read()


async def student_work(base_url: str, name: str, code: str | None, edition) -> dict:
    start = time.perf_counter()
    student = Student(base_url, name)
    await student.open()
    if code is not None:  # the class: join first
        await student.update(student.find("TextModel", description="Your name or pseudonym"), value=name)
        await student.update(student.find("TextModel", description="Class code"), value=code)
        await student.handled(await student.click(student.find("ButtonModel", description="Join the class")))
    ready = time.perf_counter() - start
    position = student.find_html("reader-position")
    next_button = student.find("ButtonModel", description="Next ▶")
    note = student.find("TextareaModel", placeholder="Write what you notice, doubt or want to check …")
    choice = student.find("DropdownModel", description="Claim")
    verdict = student.find("RadioButtonsModel", description="My judgement")
    reason = student.find("TextareaModel", description="Why")
    record = student.find("ButtonModel", description="Record my judgement")
    saves, judgements, changes = [], [], []
    for paragraph in edition.all_paragraphs():
        sent = time.perf_counter()
        await student.handled(await student.update(note, value=f"{name} on ¶{paragraph.number}: my note"))
        saves.append(time.perf_counter() - sent)
        for index, _claim in enumerate(paragraph.claims):
            await student.update(choice, index=index)
            await student.update(verdict, index=1)  # doubtful
            await student.update(reason, value=f"{name}'s reason")
            clicked = time.perf_counter()
            await student.handled(await student.click(record))
            judgements.append(time.perf_counter() - clicked)
        if paragraph.number < edition.paragraph_count:
            clicked = time.perf_counter()
            await student.click(next_button)
            target = f"¶{paragraph.number + 1} of"
            await student.until(lambda _reply, target=target: target in str(student.models[position].get("value")))
            changes.append(time.perf_counter() - clicked)
    student.socket.close()
    return {"ready": ready, "saves": saves, "judgements": judgements, "changes": changes}


async def classroom(base_url: str, students: int, code: str | None, edition) -> dict:
    AsyncHTTPClient.configure(None, max_clients=max(10, students))  # every student's page at once, none queued
    start = time.perf_counter()
    names = [f"student{number:02d}" for number in range(1, students + 1)]
    results = await asyncio.gather(
        *(asyncio.wait_for(student_work(base_url, name, code, edition), TIMEOUT) for name in names),
        return_exceptions=True,
    )
    failures = [repr(result) for result in results if isinstance(result, BaseException)]
    done = [result for result in results if not isinstance(result, BaseException)]
    return {
        "names": names,
        "all_ready": max((result["ready"] for result in done), default=float("nan")),
        "wall": time.perf_counter() - start,
        "saves": [value for result in done for value in result["saves"]],
        "judgements": [value for result in done for value in result["judgements"]],
        "changes": [value for result in done for value in result["changes"]],
        "failures": failures,
    }


def start_app(home: Path, port: int, class_mode: bool) -> tuple[subprocess.Popen, str | None]:
    environment = {
        **os.environ,
        "HOME": str(home),
        "READER_NOTES_DIR": str(home / "notes"),
        "READER_CLASS_DIR": str(home / "reader-class"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "PYTHONUNBUFFERED": "1",
    }
    log = home / "app.log"
    command = [sys.executable, "-m", "reader", "app", "--no-browser", "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(
            command + (["--class"] if class_mode else []),
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    import urllib.request

    deadline = time.monotonic() + START_SECONDS
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=30) as response,
        ):
            if response.status == 200:
                break
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start: {log.read_text()[-3000:]}")
        time.sleep(0.5)
    code = re.search(r"class code: +(\S+)", log.read_text()) if class_mode else None
    return process, code.group(1) if code else None


def stored_notes(home: Path, class_mode: bool, edition_name: str) -> list[str]:
    """Every note text the app kept: the class store's rows, or the plain app's one shared notes file."""
    if not class_mode:
        notes_file = home / "notes" / f"{edition_name}.json"
        if not notes_file.exists():
            return []
        data = json.loads(notes_file.read_text(encoding="utf-8"))
        return [entry["text"] for entry in data["paragraph_notes"].values()]
    import sqlalchemy as sa

    from reader.classroom.store import ClassStore

    store = ClassStore(str(home / "reader-class" / edition_name / "class.db"))
    try:
        with store.engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.select(store.tables["notes"].c.text))]
    finally:
        store.close()


def run(students: int, class_mode: bool) -> dict:
    edition = reader.load()
    home = throwaway_home()
    port = free_port()
    process, code = start_app(home, port, class_mode)
    try:
        result = asyncio.run(classroom(f"http://127.0.0.1:{port}", students, code, edition))
        expected = {f"{name} on ¶{number}: my note" for name in result["names"] for number in range(1, 12)}
        written_at = time.perf_counter()
        kept: set[str] = set()
        while True:  # the class's notes arrive from each kernel's outbox in the background
            kept = set(stored_notes(home, class_mode, edition.name)) & expected
            if len(kept) == len(expected) or not class_mode or time.perf_counter() - written_at > 120:
                break
            time.sleep(0.5)
        result["delivered_after"] = time.perf_counter() - written_at
        result["kept"], result["expected"] = len(kept), len(expected)
        return result
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        remove_home(home)


def describe(name: str, result: dict) -> None:
    print(
        f"  {name}: all ready in {result['all_ready']:.1f} s (done at {result['wall']:.1f} s); notes kept "
        f"{result['kept']}/{result['expected']} (read {result['delivered_after']:.1f} s after the last write); "
        f"note save p95 {percentile(result['saves'], 0.95) * 1000:.0f} ms; judgement p95 "
        f"{percentile(result['judgements'], 0.95) * 1000:.0f} ms ({len(result['judgements'])}); paragraph change "
        f"p95 {percentile(result['changes'], 0.95) * 1000:.0f} ms; failures {len(result['failures'])}",
        flush=True,
    )
    for failure in result["failures"][:3]:
        print(f"    failure: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--runs", type=int, default=1, help="alternating runs of each app; medians are compared")
    arguments = parser.parse_args()
    plains, classes = [], []
    for number in range(1, arguments.runs + 1):
        print(f"run {number} of {arguments.runs}", flush=True)
        plains.append(run(arguments.students, class_mode=False))
        describe("reader app", plains[-1])
        classes.append(run(arguments.students, class_mode=True))
        describe("reader app --class", classes[-1])

    def pooled(results: list[dict], key: str) -> list:
        return [value for result in results for value in result[key]]

    results = [
        report(
            f"{arguments.students} students: time until all are ready (median of {arguments.runs} runs)",
            median([result["all_ready"] for result in classes]),
            "reader app",
            median([result["all_ready"] for result in plains]),
            None,
            unit="s",
            scale=1,
        ),
        report(
            f"{arguments.students} students: p95 note save",
            percentile(pooled(classes, "saves"), 0.95),
            "reader app",
            percentile(pooled(plains, "saves"), 0.95),
            None,
        ),
        report(
            f"{arguments.students} students: p95 judgement recorded",
            percentile(pooled(classes, "judgements"), 0.95),
            "reader app",
            percentile(pooled(plains, "judgements"), 0.95),
            None,
        ),
        report(
            f"{arguments.students} students: p95 paragraph change",
            percentile(pooled(classes, "changes"), 0.95),
            "reader app",
            percentile(pooled(plains, "changes"), 0.95),
            None,
        ),
    ]
    kept = {
        "reader app --class": [f"{result['kept']}/{result['expected']}" for result in classes],
        "reader app": [f"{result['kept']}/{result['expected']}" for result in plains],
    }
    print(f"notes kept per student, each run: {kept}")
    print(json.dumps({"results": results, "kept": kept}))


if __name__ == "__main__":
    main_guard(main)
