"""The teacher's view of the class: every claim's judgements beside the record, reasons, who is where, reveal,
export and clear."""

from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from traitlets import Bool, Unicode, link, observe, validate

from reader import render_classroom
from reader.atomic_files import write_atomically
from reader.classroom.access import ClassRefusal, TeacherAccess
from reader.classroom.polling import Poller
from reader.model import Edition
from reader.widgets.base import ReaderView, button, html, shared_layout, shared_style

POLL_SECONDS = 4.0


class TeacherView(ReaderView):
    """The class as the teacher sees (and projects) it, refreshed every few seconds and by its Refresh button.

    Names are hidden unless ``show_names`` (a projected screen shows counts and reasons, not who said what). A
    refresh that finds nothing new sends nothing to the page. The selected ``claim_id`` is one of the edition's
    claims (anything else is refused where it lives, as ``ParagraphView`` refuses a paragraph).
    """

    show_names = Bool(False)
    claim_id = Unicode("")

    def __init__(
        self,
        edition: Edition,
        access: TeacherAccess,
        *,
        export_folder: Path | None = None,
        poll_seconds: float = POLL_SECONDS,
        **kwargs,
    ):
        self.edition = edition
        self.access = access
        self.export_folder = export_folder
        self.claims = [claim for paragraph in edition.all_paragraphs() for claim in paragraph.claims]
        self._claims_by_id = {claim.claim_id: claim for claim in self.claims}
        self._summary: dict = {"claims": {}, "students": 0, "record": {}}
        self._progress: list[dict] = []
        self.banner = html()
        self.refresh_button = button("Refresh", "Ask the class store for the newest judgements now")
        self.names_toggle = widgets.Checkbox(
            value=False,
            indent=False,
            description="Show students’ names (not while projecting)",
            layout=shared_layout(width="auto"),
        )
        self.status = html()
        self.summary_view = html()
        self.claim_choice = widgets.Dropdown(
            options=[(render_classroom.claim_heading(claim), claim.claim_id) for claim in self.claims],
            description="Claim",
            layout=shared_layout(width="auto", max_width="640px"),
            style=shared_style(DescriptionStyle),
        )
        self.reveal_button = button("Show this claim’s results to students", "Reveal the class's judgements")
        self.reveal_all_button = button("Show all to students", "Reveal every claim's class judgements")
        self.hide_all_button = button("Hide all from students", "Hide every claim's class judgements")
        self.reasons_view = html()
        self.progress_view = html()
        self.export_button = button("Export the results (CSV)", "Write the class's results to a CSV file")
        self.export_view = html()
        self.clear_button = button("Clear the class …", "Delete every student's work after the session")
        self.confirm_clear_button = button(
            "Yes, delete everything", "Delete the class's work now", button_style="danger"
        )
        self.cancel_clear_button = button("Cancel", "Keep the class's work")
        self.confirm_view = html()
        self.confirm_box = widgets.VBox(
            [self.confirm_view, widgets.HBox([self.confirm_clear_button, self.cancel_clear_button])],
            layout=widgets.Layout(display="none"),
        )
        super().__init__(claim_id=self.claims[0].claim_id if self.claims else "", **kwargs)
        self.add_class("reader-app")
        self.add_class("reader-teacher-view")
        row = shared_layout(flex_flow="row wrap", align_items="center")
        self.children = [
            self.banner,
            widgets.HBox([self.refresh_button, self.names_toggle, self.status], layout=row),
            self.summary_view,
            self.claim_choice,
            widgets.HBox([self.reveal_button, self.reveal_all_button, self.hide_all_button], layout=row),
            self.reasons_view,
            self.progress_view,
            widgets.HBox([self.export_button, self.clear_button], layout=row),
            self.export_view,
            self.confirm_box,
        ]
        link((self.names_toggle, "value"), (self, "show_names"))
        if self.claims:
            link((self.claim_choice, "value"), (self, "claim_id"))
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.reveal_button.on_click(lambda _button: self.toggle_reveal())
        self.reveal_all_button.on_click(lambda _button: self._reveal_all(True))
        self.hide_all_button.on_click(lambda _button: self._reveal_all(False))
        self.export_button.on_click(lambda _button: self.export())
        self.clear_button.on_click(lambda _button: self.ask_to_clear())
        self.confirm_clear_button.on_click(lambda _button: self.clear())
        self.cancel_clear_button.on_click(lambda _button: self._close_confirmation())
        self.poller = Poller(self.refresh, poll_seconds)
        self.refresh()
        self.poller.start()

    @validate("claim_id")
    def _valid_claim(self, proposal) -> str:
        if proposal["value"] not in self._claims_by_id and self.claims:
            raise ValueError(f"{proposal['value']!r} is not a claim of this edition")
        return proposal["value"]

    @observe("claim_id", "show_names")
    def _on_choice(self, change) -> None:
        self._show_claim()
        if change["name"] == "show_names":
            self._show_progress()

    # asking the class -------------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Ask the class for its newest state; False (and the reason shown) if it could not answer."""
        try:
            self._summary = self.access.summary(self._claims_by_id)
            self._progress = self.access.progress()
        except ClassRefusal as refusal:
            self.status.value = render_classroom.teacher_message_html(
                f"Could not reach the class store: {refusal}. Shown: the last results received.", problem=True
            )
            return False
        self.status.value = ""
        record = self._summary.get("record") or {}
        self.banner.value = render_classroom.class_banner_html(
            record.get("title") or self.edition.title, record.get("code") or self.access.code, self.students
        )
        self.summary_view.value = render_classroom.summary_html(self.edition, self.rows)
        self._show_progress()
        self._show_claim()
        return True

    @property
    def students(self) -> int:
        return int(self._summary.get("students", len(self._progress)))

    @property
    def rows(self) -> list[dict]:
        """The summary's claims, in the edition's order (claims it does not know last)."""
        claims = self._summary.get("claims", {})
        known = [claims[claim_id] for claim_id in self._claims_by_id if claim_id in claims]
        return known + [row for claim_id, row in claims.items() if claim_id not in self._claims_by_id]

    def _row(self, claim_id: str) -> dict:
        return self._summary.get("claims", {}).get(claim_id, {})

    def _show_claim(self) -> None:
        if not self.claim_id:
            self.reasons_view.value = render_classroom.reasons_html(None, [], show_names=False)
            return
        try:
            reasons = self.access.reasons(self.claim_id, self.show_names)
        except ClassRefusal as refusal:
            self.status.value = render_classroom.teacher_message_html(
                f"Could not read the reasons: {refusal}", problem=True
            )
            return
        self.reasons_view.value = render_classroom.reasons_html(
            self._claims_by_id[self.claim_id], reasons, show_names=self.show_names
        )
        revealed = bool(self._row(self.claim_id).get("revealed"))
        self.reveal_button.description = (
            "Hide this claim’s results from students" if revealed else "Show this claim’s results to students"
        )

    def _show_progress(self) -> None:
        self.progress_view.value = render_classroom.progress_html(
            self._progress, self.edition.paragraph_count, show_names=self.show_names
        )

    # the teacher's actions --------------------------------------------------------------------------------

    def revealed(self, claim_id: str) -> bool:
        return bool(self._row(claim_id).get("revealed"))

    def toggle_reveal(self) -> None:
        self._act((self.access.hide if self.revealed(self.claim_id) else self.access.reveal), self.claim_id, "reveal")

    def _reveal_all(self, reveal: bool) -> None:
        self._act(self.access.reveal if reveal else self.access.hide, None, "reveal")

    def _act(self, action, argument, what: str) -> bool:
        try:
            action(argument)
        except ClassRefusal as refusal:
            self.status.value = render_classroom.teacher_message_html(f"Could not {what}: {refusal}", problem=True)
            return False
        return self.refresh()

    def export(self) -> Path | None:
        """The class's results as CSV: a download link in the page, and a file in the class's folder."""
        try:
            text = self.access.export_csv()
        except ClassRefusal as refusal:
            self.export_view.value = render_classroom.teacher_message_html(f"Could not export: {refusal}", problem=True)
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        filename = f"{self.edition.name}-class-{stamp}.csv"
        link_html = render_classroom.download_link_html(filename, text, "text/csv", f"Download {filename}")
        path = None
        if self.export_folder is not None:
            try:
                self.export_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                path = write_atomically(self.export_folder / filename, text, new_file_mode=0o600)
            except OSError as error:
                self.export_view.value = link_html + render_classroom.teacher_message_html(
                    f"The file could not be written ({error.strerror or error}); the link above still works.",
                    problem=True,
                )
                return None
        saved = f" Also saved as {path}." if path else ""
        self.export_view.value = link_html + render_classroom.teacher_message_html(f"Exported.{saved}")
        return path

    def ask_to_clear(self) -> None:
        self.confirm_view.value = render_classroom.clear_confirm_html(self.students)
        self.confirm_box.layout.display = None

    def _close_confirmation(self) -> None:
        self.confirm_box.layout.display = "none"

    def clear(self) -> bool:
        """Delete the class's work (only from the confirmation step's button, or from code)."""
        self._close_confirmation()
        done = self._act(lambda _argument: self.access.clear(), None, "clear the class")
        if done:
            self.export_view.value = render_classroom.teacher_message_html("The class's work was deleted.")
        return done

    def close(self) -> None:
        self.poller.stop()
        super().close()

    def text(self) -> str:
        code = (self._summary.get("record") or {}).get("code") or self.access.code
        lines = [f"The class (code {code}): {self.students} students"]
        for row in self.rows:
            claim = self._claims_by_id.get(row["claim_id"])
            counts = ", ".join(f"{verdict} {row['counts'].get(verdict, 0)}" for verdict in render_classroom.JUDGEMENTS)
            record = f"; the record: {claim.verdict}" if claim else ""
            lines.append(f"{row['claim_id']}: {row['judged']} judged ({counts}){record}")
        return "\n".join(lines)
