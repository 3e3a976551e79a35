"""The reader as a class uses it: a student joins (or comes back through their personal link) and reads with
notes and judgements of their own; the teacher, through the teacher's link, sees the class."""

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader import render_classroom
from reader.classroom.access import ClassRefusal, StudentAccess, TeacherAccess, asked, plain
from reader.classroom.identity import Visitor
from reader.model import Edition
from reader.widgets.app import ReaderApp, stylesheet
from reader.widgets.base import ReaderView, html
from reader.widgets.class_distribution import ClassDistribution
from reader.widgets.join_view import JoinView
from reader.widgets.teacher_view import TeacherView

UNKNOWN_LINK = (
    "This personal link is not known to the class (was the class cleared, or the link copied incompletely?). "
    "Join again below."
)
NOT_A_TEACHER_LINK = (
    "This is not the teacher's link of this class (or, on JupyterHub, you are not in the group teachers): "
    "nothing of the class is shown."
)


class ClassroomApp(ReaderView):
    """One page of a class app: the join screen, a student's reader, or the teacher's view.

    ``store`` has the class store's interface (the store itself, or the class service's client); ``notes_for``
    makes a student's notes object (what :class:`ReaderApp` saves to) from their token; ``link_for`` gives the
    personal link of a token. Nothing here holds more than the one token or secret the page's address gave.
    """

    def __init__(
        self,
        edition: Edition,
        store: Any,
        visitor: Visitor,
        *,
        notes_for: Callable[[str], Any],
        link_for: Callable[[str], str | None] = lambda token: None,
        class_code: str = "",
        export_folder: Path | None = None,
        copies_folder: Path | None = None,
        judge_first: bool = True,
        poll_seconds: float | None = None,
        **kwargs,
    ):
        self.edition = edition
        self.store = store
        self.visitor = visitor
        self._notes_for, self._link_for = notes_for, link_for
        self.judge_first = judge_first
        self.join_view: JoinView | None = None
        self.reader_app: ReaderApp | None = None
        self.distribution: ClassDistribution | None = None
        self.teacher_view: TeacherView | None = None
        self.student_name: str | None = None
        self.student_access: StudentAccess | None = None
        self.message = html()
        super().__init__(**kwargs)
        self.add_class("reader-classroom")
        if visitor.teacher_secret:
            access = TeacherAccess(store, visitor.teacher_secret, code=class_code, title=edition.title)
            try:
                access.summary()  # a wrong secret sees nothing of the class, not even its code
            except ClassRefusal:
                self.message.value = render_classroom.join_problem_html(NOT_A_TEACHER_LINK)
                self.children = [stylesheet(), self.message]
                return
            extra = {} if poll_seconds is None else {"poll_seconds": poll_seconds}
            self.teacher_view = TeacherView(
                edition, access, export_folder=export_folder, copies_folder=copies_folder, **extra
            )
            self.children = [stylesheet(), self.teacher_view]
            return
        if visitor.student_token:
            try:
                name = self._name_of(visitor.student_token)
            except ClassRefusal:
                self._show_join(UNKNOWN_LINK)
            else:
                self._show_reader(visitor.student_token, name, personal_link=None)
            return
        self._show_join()

    @property
    def role(self) -> str:
        return "teacher" if self.teacher_view else "student" if self.reader_app else "newcomer"

    def _name_of(self, token: str) -> str:
        student = plain(asked(self.store.student, token))
        if not student:
            raise ClassRefusal("unknown student")
        return str(student.get("name", "")) if isinstance(student, dict) else str(student)

    def _join(self, code: str, name: str) -> str:
        session = plain(asked(self.store.join, code, name))
        return session["token"]

    def _show_join(self, problem: str | None = None) -> None:
        self.join_view = JoinView(self.edition, self._join)
        self.join_view.on_joined(lambda token, name: self._show_reader(token, name, self._link_for(token)))
        self.message.value = render_classroom.join_problem_html(problem) if problem else ""
        self.children = [stylesheet(), self.message, self.join_view]

    def _show_reader(self, token: str, name: str, personal_link: str | None) -> None:
        self.student_name = name
        access = self.student_access = StudentAccess(self.store, token)
        notes = self._notes_for(token)
        app = self.reader_app = ReaderApp(self.edition, notes=notes, judge_first=self.judge_first, notes_download=True)
        self.distribution = ClassDistribution(self.edition, access, app.paragraph_reader.claims_panel)
        app.add_beside_claims(self.distribution)
        # Where the student is: sent in the background, the newest place only (a paragraph change never waits).
        save_progress = access.save_progress_later
        app.observe(lambda change: self._save_progress(save_progress, change["new"]), names="paragraph_number")
        self.message.value = render_classroom.joined_html(name, personal_link)
        if self.join_view is not None:
            self.join_view.close()
            self.join_view = None
        self.children = [self.message, app]  # the reader app carries the stylesheet
        self._save_progress(save_progress, app.paragraph_number)

    @staticmethod
    def _save_progress(save_progress: Callable[[int], None], paragraph: int) -> None:
        with contextlib.suppress(ClassRefusal):  # where a student is: not their work; the next mark shows it
            save_progress(paragraph)

    def text(self) -> str:
        if self.teacher_view is not None:
            return self.teacher_view.text()
        if self.reader_app is not None:
            return f"{self.student_name}'s reader\n\n{self.reader_app.text()}"
        if self.join_view is not None:
            return self.join_view.text()
        return "This link is not valid for this class."
