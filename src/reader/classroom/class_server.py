"""``reader app --class``: the class store's service beside Voilà, and the class's own folder.

- The class's folder is ``~/reader-class/EDITION/`` (or ``READER_CLASS_DIR/EDITION``), mode 0700. Its
  ``class.json`` (mode 0600) keeps the class's code and the teacher secret, so that the same class is used again
  the next time the command runs (until the teacher clears or deletes it); ``class.db`` is the SQLite store unless
  ``--db`` names another database. CSV exports are written there too.
- The service listens on 127.0.0.1 only, on a free port: only the kernels of this computer reach it. Students
  reach Voilà, never the service.
- Every kernel learns where the service is from ``READER_CLASS_SERVICE`` and where the class's folder is from
  ``READER_CLASS_FOLDER``.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from reader.atomic_files import write_atomically

CLASS_DIRECTORY_VARIABLE = "READER_CLASS_DIR"
SERVICE_VARIABLE = "READER_CLASS_SERVICE"
FOLDER_VARIABLE = "READER_CLASS_FOLDER"
SERVICE_START_SECONDS = 60.0
CLASS_FILE_FORMAT = 1


class ClassSetupError(Exception):
    """The class could not be prepared: one line saying why."""


@dataclass(frozen=True)
class ClassSettings:
    folder: Path
    database: str
    code: str
    teacher_secret: str
    reused: bool


def class_folder(edition_name: str) -> Path:
    root = os.environ.get(CLASS_DIRECTORY_VARIABLE) or Path.home() / "reader-class"
    return Path(root).expanduser() / edition_name


def prepare_class(edition_name: str, title: str, database: str | None = None) -> ClassSettings:
    """The class of this edition: the one ``class.json`` names if the store still knows it, else a new one."""
    from reader.classroom.store import ClassStore, ClassStoreError

    folder = class_folder(edition_name)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise ClassSetupError(f"cannot make the class folder {folder}: {error.strerror or error}") from error
    class_file = folder / "class.json"
    saved = _read_class_file(class_file)
    database = database or saved.get("database") or str(folder / "class.db")
    try:
        store = ClassStore(database)
    except ClassStoreError as error:
        raise ClassSetupError(f"the class store {_shown(database)}: {error}") from error
    try:
        secret = saved.get("teacher_secret")
        if secret and saved.get("database", database) == database:
            with contextlib.suppress(LookupError, PermissionError):
                record = store.teacher_class(secret)
                return ClassSettings(folder, database, record.code, secret, reused=True)
        info = store.create_class(edition_name, title)
    except ClassStoreError as error:
        raise ClassSetupError(f"the class store {_shown(database)}: {error}") from error
    finally:
        store.close()
    content = {
        "format": CLASS_FILE_FORMAT,
        "edition": edition_name,
        "class_id": info.class_id,
        "code": info.code,
        "teacher_secret": info.teacher_secret,
        "database": database,
    }
    try:
        write_atomically(class_file, json.dumps(content, indent=1) + "\n", new_file_mode=0o600)
        os.chmod(class_file, 0o600)  # an older file keeps its mode on replacement: this one holds a secret
    except OSError as error:
        raise ClassSetupError(f"cannot write {class_file}: {error.strerror or error}") from error
    return ClassSettings(folder, database, info.code, info.teacher_secret, reused=False)


def _read_class_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ClassSetupError(
            f"{path}: cannot be read ({error}); move it away to start a new class, or repair it"
        ) from error
    if not isinstance(data, dict) or data.get("format") != CLASS_FILE_FORMAT:
        raise ClassSetupError(f"{path}: not a class file of this reader; move it away to start a new class")
    return data


def _shown(database: str) -> str:
    """A database URL without its password, to name it in a message."""
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", database)


class ServiceProcess:
    """``python -m reader.classroom.service`` on 127.0.0.1 and a free port, stopped with :meth:`stop`."""

    def __init__(self, database: str):
        self.database = database
        self.process: subprocess.Popen | None = None
        self.url: str | None = None

    def start(self) -> str:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reader.classroom.service",
                "--db",
                self.database,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--quiet",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        found: list[str] = []

        def read_address() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                match = re.search(r"listening on (http://\S+?)/class/api/", line)
                if match:
                    found.append(match.group(1))
                    return

        reader = threading.Thread(target=read_address, daemon=True)
        reader.start()
        reader.join(SERVICE_START_SECONDS)
        if not found:
            self.stop()
            errors = self.process.stderr.read().strip().splitlines() if self.process.stderr else []
            raise ClassSetupError(
                "the class service did not start" + (f": {errors[-1]}" if errors else f" in {SERVICE_START_SECONDS} s")
            )
        self.url = found[0]
        return self.url

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_voila_with_service(command: list[str], environment: dict[str, str], service: ServiceProcess) -> int:
    """Voilà in the foreground until it stops or Ctrl-C/SIGTERM; the service is stopped after it, always."""
    voila = subprocess.Popen(command, env=environment)

    def forward(signal_number, _frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            voila.send_signal(signal_number)

    previous = {number: signal.signal(number, forward) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        return voila.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if voila.poll() is None:
            voila.terminate()
            voila.wait()
        service.stop()
