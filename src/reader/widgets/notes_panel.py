"""The student's own note on the current paragraph, saved as they type, exported to Markdown on request."""

from typing import Any

import ipywidgets as widgets
from traitlets import observe

from reader import render, render_classroom
from reader.model import Edition
from reader.site import browser
from reader.student_notes import StudentNotes
from reader.widgets.base import ParagraphView, button, failure_reason, html, shared_layout


class NotesPanel(ParagraphView):
    """A note field per paragraph; every change is saved to the student's notes file at once.

    When a save fails (disk full, notes folder read-only or not a folder), the status line says the note was NOT
    saved and why; the text stays in the field (and in this panel, paragraph by paragraph), and every later edit
    tries again to save every note not yet saved.
    """

    def __init__(
        self, edition: Edition, notes: StudentNotes, paragraph_number: int = 1, download: bool = False, **kwargs
    ):
        self.edition = edition
        self.notes = notes
        self.download = download  # in a class app the notes are on the server: the student downloads them
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
        self.export_button = (
            button("Download my notes (Markdown)", "Download all your notes and judgements as a Markdown file")
            if download
            else button("Export my notes (Markdown)", "Write all your notes and judgements to a Markdown file")
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
        if hasattr(notes, "on_status"):  # a class's notes are sent in the background: say when they arrive
            notes.on_status(lambda _status: setattr(self.status, "value", self._status()))
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
        if hasattr(self.notes, "on_status"):  # notes kept by the class: where they are, never a path on the server
            class_notes: Any = self.notes  # reader.classroom.client.ClassNotes
            delivery = class_notes.status
            return (extra.get("download_link") or "") + render_classroom.class_notes_status_html(
                delivery.message,
                alert=bool(delivery.rejected or delivery.unreachable_since is not None),
                not_saved=self._not_saved,
            )
        extra.pop("download_link", None)
        return render.notes_status_html(
            last_saved=self.notes.last_saved,
            not_saved=self._not_saved,
            in_browser=browser.in_browser(),
            kept=self.notes.kept_in_browser,
            **extra,
        )

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
        """Write the notes to Markdown beside the notes file; the path, or None if it could not be written.

        With ``download``, a link that downloads them from the page instead (None returned). In the browser (a
        static site) the file is written and also offered as a download: the browser's storage is not a folder the
        student can open."""
        if self.download:
            link = render_classroom.download_link_html(
                f"my-notes-{self.edition.name}.md",
                self.notes.to_markdown(self.edition),
                "text/markdown",
                "Your notes are ready: download them (Markdown)",
            )
            self.status.value = self._status(download_link=link)
            return None
        try:
            path = self.notes.export_markdown(self.edition)
        except OSError as error:
            self.status.value = self._status(export_failed=failure_reason(error))
            return None
        if browser.in_browser():
            self.status.value = self._status(
                exported_to=path,
                download=(path.name, self.notes.to_markdown(self.edition)),
                download_notes_file=(self.notes.path.name, self.notes.to_json()),
            )
        else:
            self.status.value = self._status(exported_to=path)
        return path

    def text(self) -> str:
        return f"My note on ¶{self.paragraph_number}: {self.field.value or '(empty)'}"
