"""The student's own note on the current paragraph, saved as they type, exported to Markdown on request."""

import ipywidgets as widgets
from traitlets import Int, observe

from reader.escaping import escape
from reader.model import Edition
from reader.student_notes import StudentNotes
from reader.widgets.base import ReaderView, button, html, shared_layout


class NotesPanel(ReaderView):
    """A note field per paragraph; every change is saved to the student's notes file at once."""

    paragraph_number = Int(1)

    def __init__(self, edition: Edition, notes: StudentNotes, paragraph_number: int = 1, **kwargs):
        self.edition = edition
        self.notes = notes
        self.field = widgets.Textarea(
            placeholder="Write what you notice, doubt or want to check …",
            description="My note",
            continuous_update=True,
            style={"description_width": "initial"},
            layout=shared_layout(width="100%", height="6em"),
        )
        self.status = html()
        self.export_button = button(
            "Export my notes (Markdown)", "Write all your notes and judgements to a Markdown file"
        )
        self.export_button.on_click(lambda _button: self.export())
        self._loading = False
        super().__init__(paragraph_number=paragraph_number, **kwargs)
        self.add_class("reader-notes-panel")
        self.children = [
            self.field,
            widgets.HBox([self.export_button, self.status], layout=shared_layout(flex_flow="row wrap")),
        ]
        self.field.observe(self._on_edit, names="value")
        self._load()

    @observe("paragraph_number")
    def _on_paragraph_change(self, change) -> None:
        self._load()

    def _load(self) -> None:
        self._loading = True
        with self.field.hold_sync():  # the note and its label in one message
            self.field.value = self.notes.note(self.paragraph_number)
            self.field.description = f"My note on ¶{self.paragraph_number}"
        self._loading = False
        warning = "".join(
            f'<p class="reader-warning" role="alert">{escape(message)}</p>' for message in self.notes.warnings
        )
        self.status.value = warning + self._saved_line()

    def _saved_line(self) -> str:
        where = escape(str(self.notes.path))
        when = f"last saved {escape(self.notes.last_saved)} UTC, " if self.notes.last_saved else ""
        return f'<span class="reader-saved" aria-live="polite">Notes are saved as you type: {when}in {where}</span>'

    def _on_edit(self, change) -> None:
        if self._loading:
            return
        self.notes.set_note(self.paragraph_number, change["new"])
        self.status.value = self._saved_line()

    def export(self):
        path = self.notes.export_markdown(self.edition)
        self.status.value = f'<span class="reader-saved" aria-live="polite">Exported to {escape(str(path))}</span>'
        return path

    def text(self) -> str:
        return f"My note on ¶{self.paragraph_number}: {self.field.value or '(empty)'}"
