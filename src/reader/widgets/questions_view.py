"""Discussion questions for the current paragraph; in teacher mode, the points a teacher should hear."""

import ipywidgets as widgets
from traitlets import Bool, link, observe

from reader import render
from reader.model import Edition
from reader.widgets.base import ParagraphView


class QuestionsView(ParagraphView):
    """The paragraph's questions; expected points are hidden unless teacher mode is on."""

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
        link((self.teacher_toggle, "value"), (self, "teacher"))
        self.children = [self.teacher_toggle, self.view]
        self._render()

    @observe("paragraph_number", "teacher")
    def _on_change(self, change) -> None:
        self._render()

    def _render(self) -> None:
        self.view.value = render.questions_view_html(
            self.edition.paragraph(self.paragraph_number), teacher=self.teacher
        )

    def text(self) -> str:
        questions = self.edition.paragraph(self.paragraph_number).questions
        lines = [f"Questions on ¶{self.paragraph_number}:"]
        for number, question in enumerate(questions, start=1):
            lines.append(f"{number}. {question.question}")
            if self.teacher:
                lines.append(f"   Expected: {question.expected_points}")
        return "\n".join(lines)
