"""What changes when the reader runs inside the student's browser (Pyodide, in a site ``reader site`` built).

There is no home folder that outlives the page there: the kernel's files vanish on reload. JupyterLite mounts its
browser storage (IndexedDB, the same store its file browser shows) at ``/drive``, so the notes go to
``/drive/reader-notes/``: kept across reloads, in this browser on this computer only.
"""

import sys
from pathlib import Path

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
