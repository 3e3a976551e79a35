"""What changes when the reader runs inside the student's browser (Pyodide, in a site ``reader site`` built).

There is no home folder that outlives the page there: the kernel's files vanish on reload. JupyterLite mounts its
browser storage (IndexedDB, the same store its file browser shows) at ``/drive``, so the notes go to
``/drive/reader-notes/``: kept across reloads, in this browser on this computer only.
"""

import sys
from pathlib import Path
from typing import Any

BROWSER_DRIVE = Path("/drive")
NOTES_FOLDER_NAME = "reader-notes"


def in_browser() -> bool:
    return sys.platform == "emscripten"


def browser_notes_folder() -> Path | None:
    """The notes folder in the browser's storage, or None outside a browser (or if JupyterLite mounted no drive)."""
    return BROWSER_DRIVE / NOTES_FOLDER_NAME if in_browser() and BROWSER_DRIVE.is_dir() else None


def tables_unavailable(edition) -> dict:
    """The ``tables_source`` of a site's edition: pandas does not run in the browser, so its DataFrames are absent."""
    raise RuntimeError(
        f"the tables of {edition.name} (pandas DataFrames) are not available in the browser: pandas does not run in "
        "this static site; the reader, its panels and widgets work without them (use JupyterLab for table queries)"
    )


def send_none_as_null() -> None:
    """Make the page receive ``null`` where the kernel sends ``None`` in a widget message.

    Pyodide's kernel hands each comm message to JavaScript with ``to_js``, which turns ``None`` into ``undefined``;
    JSON then drops the key, so a widget trait set back to ``None`` never reaches the page (a layout's ``display``
    stays ``"none"``: the "Open the quoted document" button never reappears). The shell's ``send_comm`` is wrapped
    to send JavaScript's ``null`` instead. Only in the browser; once per kernel.
    """
    if not in_browser():
        return
    from IPython.core.getipython import get_ipython
    from pyodide.ffi import jsnull  # type: ignore[import-not-found]

    shell: Any = get_ipython()  # Pyodide's shell: it has send_comm, set by the kernel's JavaScript
    if shell is None or getattr(shell, "_reader_sends_null", False):
        return
    send = shell.send_comm

    def with_nulls(value):
        if value is None:
            return jsnull
        if isinstance(value, dict):
            return {key: with_nulls(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [with_nulls(item) for item in value]
        return value

    def send_comm(msg_type, content, metadata, topic, buffers):
        return send(msg_type, with_nulls(content), metadata, topic, buffers)

    shell.send_comm = send_comm
    shell._reader_sends_null = True
