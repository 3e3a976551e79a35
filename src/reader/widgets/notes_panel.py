"""The student's own note on the current paragraph, saved as they type, exported to Markdown on request."""

import ipywidgets as widgets
from traitlets import observe

from reader import render
from reader.model import Edition
from reader.student_notes import StudentNotes
from reader.widgets.base import ParagraphView, button, failure_reason, html, shared_layout


class NotesPanel(ParagraphView):
    """A note field per paragraph; every change is saved to the student's notes file at once.

    When a save fails (disk full, notes folder read-only or not a folder), the status line says the note was NOT
    saved and why; the text stays in the field (and in this panel, paragraph by paragraph), and every later edit
    tries again to save every note not yet saved.
    """

    def __init__(self, edition: Edition, notes: StudentNotes, paragraph_number: int = 1, **kwargs):
        self.edition = edition
        self.notes = notes
        self._unsaved: dict[int, str] = {}  # paragraph number -> note text whose save failed
        self._not_saved: str | None = None  # why the last save failed, until one succeeds
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

    def note(self, paragraph_number: int) -> str:
        """The note on a paragraph as the student last typed it, saved or not."""
        return self._unsaved.get(paragraph_number, self.notes.note(paragraph_number))

    def _load(self) -> None:
        self._loading = True
        with self.field.hold_sync():  # the note and its label in one message
            self.field.value = self.note(self.paragraph_number)
            self.field.description = f"My note on ¶{self.paragraph_number}"
        self._loading = False
        self.status.value = self._status(warnings=self.notes.warnings)

    def _status(self, **extra) -> str:
        return render.notes_status_html(last_saved=self.notes.last_saved, not_saved=self._not_saved, **extra)

    def _on_edit(self, change) -> None:
        if self._loading:
            return
        self._unsaved[self.paragraph_number] = change["new"]
        self._save()
        self.status.value = self._status()

    def _save(self) -> None:
        """Save every note not yet on disk; on failure keep them here, and say why."""
        for number, text in list(self._unsaved.items()):
            try:
                self.notes.set_note(number, text)
            except OSError as error:  # the notes module's NotesSaveError is one; so is a full disk
                self._not_saved = failure_reason(error)
                return
            del self._unsaved[number]
        self._not_saved = None

    def export(self):
        """Write the notes to Markdown beside the notes file; the path, or None if it could not be written."""
        try:
            path = self.notes.export_markdown(self.edition)
        except OSError as error:
            self.status.value = self._status(export_failed=failure_reason(error))
            return None
        self.status.value = self._status(exported_to=path)
        return path

    def text(self) -> str:
        return f"My note on ¶{self.paragraph_number}: {self.field.value or '(empty)'}"
