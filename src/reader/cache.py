"""A cache of validated editions, keyed by the exact bytes of their files (like Python's .pyc files).

Validation reads every file and checks every row; a teacher's edition changes rarely and is loaded often (every
kernel, every student). Only an edition that passed validation is stored, under a key made of the edition's own
files (the ones the schema names: size, time of change and content, hashed in chunks) and the package version,
so any edit, however small, is validated again, and nothing else in the folder (a backup, a notebook) is read.
The cache lives in the user's own cache folder (XDG_CACHE_HOME, or ~/.cache); READER_CACHE=0 turns it off. A cache
file that cannot be read is ignored.

An edition is stored as two files: its model (plain Python objects, all a reading kernel needs) and its
DataFrames, read back only when a DataFrame is first used, so that a student's kernel need not import pandas.
"""

import contextlib
import hashlib
import os
import pickle
import stat
from pathlib import Path

from reader.atomic_files import write_atomically

CACHE_VARIABLE = "READER_CACHE"
# A static site's copy of the package carries its edition, validated when the site was built (reader.site.build).
SHIPPED_EDITION = ("_site", "edition.pickle")
CHUNK_BYTES = 1024 * 1024


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


def edition_key(folder: Path, version: str, file_names: tuple[str, ...]) -> str:
    """The key of the edition in ``folder``: its files ``file_names`` (only those, and only regular files)."""
    digest = hashlib.sha256(version.encode() + _code_stamp())
    for name in sorted(file_names):
        path = folder / name
        try:
            status = os.stat(path)
        except OSError:
            digest.update(name.encode() + b"\0absent\0")
            continue
        digest.update(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
        if not stat.S_ISREG(status.st_mode):
            continue  # a FIFO is never opened; the loader says what it is
        with contextlib.suppress(OSError), path.open("rb") as edition_file:
            while chunk := edition_file.read(CHUNK_BYTES):
                digest.update(chunk)
        digest.update(b"\0")
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


def shipped_edition():
    """The edition a static site's package carries, or None (everywhere but in a site ``reader site`` built)."""
    from importlib.resources import files

    shipped = files("reader").joinpath(*SHIPPED_EDITION)
    if not shipped.is_file():
        return None
    return pickle.loads(shipped.read_bytes())
