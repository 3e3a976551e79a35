"""An annotated reader for a contested historical source, in JupyterLab.

``reader.load()`` returns the default edition; ``reader.load(path)`` any edition folder.
"""

from reader._version import __version__
from reader.errors import EditionError
from reader.loader import load


def open(
    path=None,
    paragraph_number: int = 1,
    *,
    class_mode: bool = False,
    judge_first: bool | None = None,
    teacher: bool | None = None,
    notes_file=None,
    projector: bool | None = None,
):  # noqa: A001 - reader.open() is the product's entry point
    """The whole reader app for the default edition (or the edition folder ``path``).

    ``class_mode`` turns on judge-first (a claim's verdict stays hidden until the student has judged it).
    The student's notes are saved to ``~/reader-notes/<edition>.json`` (or ``notes_file``, or the folder in
    READER_NOTES_DIR). ``teacher`` (or READER_TEACHER=1) shows the expected points of the discussion questions.
    ``projector`` (or READER_PROJECTOR=1, which ``reader app --projector`` sets) opens in projector mode.
    A ``paragraph_number`` the edition does not have raises ValueError naming the range, before anything is opened.
    """
    import os

    from reader.student_notes import StudentNotes
    from reader.widgets import ReaderApp
    from reader.widgets.base import checked_paragraph_number

    edition = load(path)
    paragraph_number = checked_paragraph_number(edition, paragraph_number)
    if teacher is None:
        teacher = os.environ.get("READER_TEACHER", "") not in ("", "0")
    if projector is None:
        projector = os.environ.get("READER_PROJECTOR", "") not in ("", "0")
    app = ReaderApp(
        edition,
        paragraph_number,
        notes=StudentNotes(edition.name, notes_file),
        judge_first=class_mode if judge_first is None else judge_first,
        teacher=teacher,
    )
    app.projector = projector
    return app


__all__ = ["EditionError", "load", "open", "panels", "widgets", "__version__"]


def __getattr__(name: str):
    """``reader.panels`` and ``reader.widgets`` are imported on first use: loading an edition does not need them."""
    if name in ("panels", "widgets", "handout", "search"):
        import importlib

        return importlib.import_module(f"reader.{name}")
    raise AttributeError(f"module 'reader' has no attribute {name!r}")
