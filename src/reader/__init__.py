"""An annotated reader for a contested historical source, in JupyterLab.

``reader.load()`` returns the default edition; ``reader.load(path)`` any edition folder.
"""

from reader._version import __version__
from reader.errors import EditionError
from reader.loader import load
from reader.site.browser import send_none_as_null

send_none_as_null()  # in a static site's browser kernel only (see reader.site.browser)


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
    if class_mode and os.environ.get("READER_CLASS_SERVICE"):  # `reader app --class`, or JupyterHub's class service
        return _classroom_app(edition, os.environ, teacher=bool(teacher))
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


def open_course(*, class_mode: bool = False, teacher: bool | None = None, notes_folder=None):
    """The reader with a choice of text when ``editions.yaml`` lists more than one edition (an EditionPicker), else
    the reader of the default edition; READER_EDITION, when set, names the one edition served.

    Every edition is checked first (a broken one raises EditionError, before anything is shown); each student's
    notes are kept per edition, in ``notes_folder`` (default: READER_NOTES_DIR or ``~/reader-notes``).
    """
    import os
    from pathlib import Path

    from reader.paths import listed_editions
    from reader.widgets import EditionPicker

    folders = [] if os.environ.get("READER_EDITION") else listed_editions()
    if len(folders) < 2:
        return open(class_mode=class_mode, teacher=teacher)
    editions = [load(folder) for folder in folders]

    def reader_of(name: str):
        notes_file = Path(notes_folder) / f"{name}.json" if notes_folder else None
        return open(
            next(e.folder for e in editions if e.name == name),
            class_mode=class_mode,
            teacher=teacher,
            notes_file=notes_file,
        )

    return EditionPicker([(edition.name, edition.title) for edition in editions], reader_of)


def _classroom_app(edition, environment, teacher: bool = False):
    """The class app of a class kernel. Under ``reader app --class``, who is there comes from the page's address;
    on JupyterHub (``READER_CLASS_HUB=1``), from the hub token of the student's server, which the class service
    checks (``teacher``: the teacher's view, if the hub gives this user the teacher scope)."""
    from pathlib import Path

    from reader.classroom.client import ClassNotes, RemoteClassStore
    from reader.classroom.identity import HUB_IDENTITY, Visitor, personal_link, visitor_from_environment
    from reader.widgets.classroom_app import ClassroomApp

    if environment.get("READER_CLASS_HUB") == "1":
        store = RemoteClassStore(
            environment["READER_CLASS_SERVICE"],
            headers={"Authorization": f"token {environment.get('JUPYTERHUB_API_TOKEN', '')}"},
        )
        visitor = Visitor(teacher_secret=HUB_IDENTITY) if teacher else Visitor(student_token=HUB_IDENTITY)
        return ClassroomApp(
            edition,
            store,
            visitor,
            notes_for=lambda token: ClassNotes(store, environment.get("JUPYTERHUB_USER", token), edition.name),
        )
    store = RemoteClassStore(environment["READER_CLASS_SERVICE"])
    folder = Path(environment["READER_CLASS_FOLDER"]) if environment.get("READER_CLASS_FOLDER") else None
    return ClassroomApp(
        edition,
        store,
        visitor_from_environment(environment),
        notes_for=lambda token: ClassNotes(store, token, edition.name, folder=folder / "students" if folder else None),
        link_for=lambda token: personal_link(token, environment),
        export_folder=folder / "exports" if folder else None,
        copies_folder=folder / "students" if folder else None,
    )


__all__ = ["EditionError", "load", "open", "open_course", "panels", "widgets", "__version__"]


def __getattr__(name: str):
    """``reader.panels`` and ``reader.widgets`` are imported on first use: loading an edition does not need them."""
    if name in ("panels", "widgets", "handout", "search"):
        import importlib

        return importlib.import_module(f"reader.{name}")
    raise AttributeError(f"module 'reader' has no attribute {name!r}")
