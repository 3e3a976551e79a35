"""Writing a file so that a crash leaves the old one or the new one, never half of one: the one place this is done.

Every file the reader writes goes through :func:`write_atomically`: students' notes, ``mentions.csv``, the HTML
handout, the cache. The new content goes to a temporary file in the same folder (``.NAME.PID.RANDOM.tmp``), is
flushed (and, for files that matter, synced to disk), then renamed over the old file in one step.

- Symbolic links are written through: when ``NAME`` is a symbolic link, its target is replaced (atomically, in the
  target's own folder) and the link stays a link. A teacher who links ``mentions.csv`` or a student who links their
  notes file to a synced folder keeps that arrangement.
- Something that is not a regular file (``/dev/stdout``, ``/dev/full``, a named pipe) is written directly: it cannot
  be replaced, and should not be.
- Temporary files left by a writer that was killed are removed by the next write to the same file: those whose
  writer process is no longer running on this machine, and any older than :data:`STALE_AFTER_SECONDS`.
- Errors are ``OSError`` with ``filename`` set to the file that could not be written.

:func:`exclusive_lock` is the cross-platform lock the notes use (``fcntl`` on POSIX, ``msvcrt`` on Windows). In the
browser (Pyodide, a static site) there is no lock to take: one kernel per page writes its files, through
JupyterLite's storage, where ``flock`` and syncing a folder are not available.
"""

import contextlib
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"
STALE_AFTER_SECONDS = 10 * 60
LOCK_TIMEOUT_SECONDS = 60


def resolved_target(path: str | Path) -> Path:
    """The file a write to ``path`` changes: ``path`` itself, or the file its symbolic link(s) point to."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def write_atomically(
    path: str | Path, content: str | bytes, *, durable: bool = True, new_file_mode: int | None = None
) -> Path:
    """Replace ``path`` with ``content`` (text is written as UTF-8) in one step; return the file written.

    ``durable`` syncs the file and its folder to disk before returning (notes, edition files); a cache need not.
    The file keeps the permissions it had; a new one gets ``new_file_mode``, or those any new file gets (umask).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    target = resolved_target(path)
    try:
        if _is_special(target):
            with open(target, "wb") as special:
                special.write(data)
            return target
        remove_stale_temporaries(target)
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f"{temporary_prefix(target)}{os.getpid()}.", suffix=TEMPORARY_SUFFIX
        )
        try:
            os.chmod(temporary, _mode_for(target, new_file_mode))
            with os.fdopen(descriptor, "wb") as temporary_file:
                temporary_file.write(data)
                temporary_file.flush()
                if durable:
                    os.fsync(temporary_file.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        if durable:
            _sync_folder(target.parent)
    except OSError as error:
        error.filename, error.filename2 = str(path), None  # the file the user named, not our temporary one
        raise
    return target


def _mode_for(target: Path, new_file_mode: int | None) -> int:
    """The permissions of the file replaced, or of a new file (a temporary file is private: 0600)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        pass
    if new_file_mode is not None:
        return new_file_mode
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _is_special(target: Path) -> bool:
    """True for an existing file that is not a regular one (a device, a pipe): written in place, never replaced."""
    try:
        return not stat.S_ISREG(os.stat(target).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no way to open a folder for this, nor the browser)."""
    if os.name == "nt" or sys.platform == "emscripten":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def temporaries(target: Path) -> list[Path]:
    """The temporary files of writes to ``target`` that are in its folder now."""
    prefix = temporary_prefix(target)
    try:
        with os.scandir(target.parent) as entries:
            return [
                Path(entry.path)
                for entry in entries
                if entry.name.startswith(prefix) and entry.name.endswith(TEMPORARY_SUFFIX)
            ]
    except OSError:
        return []


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Remove the temporary files that writers of ``target`` left behind when killed; return those removed."""
    target = Path(target)
    removed = []
    for temporary in temporaries(target):
        if _is_stale(temporary, target):
            with contextlib.suppress(OSError):
                temporary.unlink()
                removed.append(temporary)
    return removed


def _is_stale(temporary: Path, target: Path) -> bool:
    try:
        age = time.time() - temporary.stat().st_mtime
    except OSError:
        return False
    if age > STALE_AFTER_SECONDS:
        return True
    writer = temporary.name[len(temporary_prefix(target)) :].split(".", 1)[0]
    return writer.isascii() and writer.isdigit() and not _process_is_running(int(writer))


def _process_is_running(process_id: int) -> bool:
    """Whether a process of that id runs on this machine (Windows: assumed running; the age rule applies there)."""
    if os.name == "nt":
        return True  # os.kill(pid, 0) would send Ctrl-C there
    if process_id == os.getpid():
        return True
    try:
        os.kill(process_id, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


@contextlib.contextmanager
def exclusive_lock(lock_path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (created if missing) for the ``with`` block, across processes."""
    with open(lock_path, "a+b") as lock_file:
        _lock(lock_file)
        try:
            yield
        finally:
            _unlock(lock_file)


if sys.platform == "win32":
    import msvcrt

    def _lock(lock_file) -> None:
        """msvcrt locks a byte range (one byte, at the start) and gives up after about 10 s: try until the timeout."""
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            lock_file.seek(0)
            try:
                msvcrt.locking(lock_file.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise

    def _unlock(lock_file) -> None:
        lock_file.seek(0)
        msvcrt.locking(lock_file.fileno(), msvcrt.LK_UNLCK, 1)

elif sys.platform == "emscripten":

    def _lock(lock_file) -> None:
        """Pyodide has no flock: one kernel per browser page writes (see the module's docstring)."""

    def _unlock(lock_file) -> None:
        """Nothing was locked."""

else:
    import fcntl

    def _lock(lock_file) -> None:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)

    def _unlock(lock_file) -> None:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
