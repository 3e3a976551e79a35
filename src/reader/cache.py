"""A cache of validated editions, keyed by the exact bytes of their files (like Python's .pyc files).

Validation reads every file and checks every row; a teacher's edition changes rarely and is loaded often (every
kernel, every student). Only an edition that passed validation is stored, under a key made of the bytes of all
its files and the package version, so any edit, however small, is validated again. The cache lives in the
user's own cache folder (XDG_CACHE_HOME, or ~/.cache); READER_CACHE=0 turns it off. A cache file that cannot be
read is ignored.

An edition is stored as two files: its model (plain Python objects, all a reading kernel needs) and its
DataFrames, read back only when a DataFrame is first used, so that a student's kernel need not import pandas.
"""

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from reader.atomic_files import write_atomically

CACHE_VARIABLE = "READER_CACHE"


def enabled() -> bool:
    return os.environ.get(CACHE_VARIABLE, "1") not in ("0", "false", "no")


def cache_folder() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "soviet-reader" / "editions"


def _code_stamp() -> bytes:
    """The package's own modules (size and time of change), so a changed model never meets an old pickle."""
    package = Path(__file__).resolve().parent
    return b"".join(
        f"{path.name}:{path.stat().st_size}:{path.stat().st_mtime_ns};".encode()
        for path in sorted(package.rglob("*.py"))
    )


def edition_key(folder: Path, version: str) -> str:
    digest = hashlib.sha256(version.encode() + _code_stamp())
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in (".csv", ".yaml", ".yml"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read(key: str):
    with contextlib.suppress(Exception), (cache_folder() / f"{key}.pickle").open("rb") as cache_file:
        return pickle.load(cache_file)
    return None


def write(key: str, value) -> None:
    with contextlib.suppress(OSError, pickle.PicklingError):
        folder = cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"{key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), durable=False)


def write_edition(key: str, edition) -> None:
    """Store a validated edition: its DataFrames under ``KEY.tables``, then the model, which names that file."""
    edition.tables_key = f"{key}.tables"
    write(edition.tables_key, edition.tables)
    write(key, edition)
