"""Discussion questions for the current paragraph; in teacher mode, the points a teacher should hear."""

import ipywidgets as widgets
from traitlets import Bool, Int, observe

from reader.escaping import escape
from reader.model import Edition
from reader.widgets.base import ReaderView


class QuestionsView(ReaderView):
    """The paragraph's questions; expected points are hidden unless teacher mode is on."""

    paragraph_number = Int(1)
    teacher = Bool(False)

    def __init__(self, edition: Edition, paragraph_number: int = 1, teacher: bool = False, **kwargs):
        self.edition = edition
        self.view = widgets.HTML()
        self.teacher_toggle = widgets.Checkbox(
            value=teacher,
            indent=False,
            description="Teacher mode: show expected points",
            tooltip="Show the points a teacher should hear",
        )
        super().__init__(paragraph_number=paragraph_number, teacher=teacher, **kwargs)
        self.add_class("reader-questions")
        self.teacher_toggle.observe(lambda change: setattr(self, "teacher", change["new"]), names="value")
        self.children = [self.teacher_toggle, self.view]
        self._render()

    @observe("paragraph_number", "teacher")
    def _on_change(self, change) -> None:
        self.teacher_toggle.value = self.teacher
        self._render()

    def _render(self) -> None:
        questions = self.edition.paragraph(self.paragraph_number).questions
        if not questions:
            self.view.value = '<p class="reader-empty">No discussion questions for this paragraph.</p>'
            return
        items = "".join(
            f"<li><p>{escape(question.question)}</p>"
            + (
                f'<p class="reader-expected"><span class="reader-label">Expected points:</span> '
                f"{escape(question.expected_points)}</p>"
                if self.teacher
                else ""
            )
            + "</li>"
            for question in questions
        )
        self.view.value = f'<h4>Questions on ¶{self.paragraph_number}</h4><ol class="reader-question-list">{items}</ol>'

    def text(self) -> str:
        questions = self.edition.paragraph(self.paragraph_number).questions
        lines = [f"Questions on ¶{self.paragraph_number}:"]
        for number, question in enumerate(questions, start=1):
            lines.append(f"{number}. {question.question}")
            if self.teacher:
                lines.append(f"   Expected: {question.expected_points}")
        return "\n".join(lines)
