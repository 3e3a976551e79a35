"""The paragraph's checkable claims: what the record says, or, in judge-first mode, the student's verdict first."""

from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from traitlets import Bool, observe

from reader import render
from reader.model import Edition
from reader.student_notes import JUDGEMENTS
from reader.widgets.base import (
    ParagraphView,
    RecentCache,
    button,
    failure_reason,
    html,
    shared_layout,
    shared_style,
)


class ClaimsPanel(ParagraphView):
    """Choose a claim; see its verdict, the record and the sources, after recording a judgement if judge-first.

    A judgement that cannot be saved (disk full, notes folder read-only) stays shown as the student's, with a
    warning that it was not saved; it is saved again with the next judgement they record.
    """

    judge_first = Bool(False)

    def __init__(self, edition: Edition, notes=None, judge_first: bool = False, paragraph_number: int = 1, **kwargs):
        self.edition = edition
        self.notes = notes
        self._judged_in_memory: dict[str, dict] = {}  # without a notes file, or while saving fails
        self._not_saved: dict[str, str] = {}  # claim id -> why its judgement could not be saved
        self._html_cache = RecentCache.per_paragraph(edition)
        self._judged_callbacks: list[Callable[[str], None]] = []
        self.choice = widgets.Dropdown(
            description="Claim",
            tooltip="Choose a claim to see what the record says",
            layout=shared_layout(width="auto", max_width="560px"),
            style=shared_style(DescriptionStyle),
        )
        self.view = html()
        self.judgement = widgets.RadioButtons(
            options=[(judgement, judgement) for judgement in JUDGEMENTS],
            value=None,
            description="My judgement",
            layout=shared_layout(),
            style=shared_style(DescriptionStyle, description_width="initial"),
        )
        self.reason = widgets.Textarea(
            description="Why",
            placeholder="What makes you think so?",
            layout=shared_layout(width="auto", min_width="320px", height="4em"),
        )
        self.record_button = button(
            "Record my judgement", "Save your judgement, then see what the record says", disabled=True
        )
        self.judge_box = widgets.VBox(
            [
                html(render.judge_first_html()),
                widgets.HBox([self.judgement, self.reason], layout=shared_layout()),
                self.record_button,
            ]
        )
        super().__init__(judge_first=judge_first, paragraph_number=paragraph_number, **kwargs)
        self.add_class("reader-claims")
        self.children = [self.choice, self.view, self.judge_box]
        self._quiet = False  # True while the paragraph's claims replace the list: one render, not two
        self.choice.observe(lambda change: None if self._quiet else self._show(), names="value")
        self.judgement.observe(
            lambda change: setattr(self.record_button, "disabled", change["new"] is None), names="value"
        )
        self.record_button.on_click(lambda _button: self.record())
        self._show_paragraph()

    def on_judged(self, callback) -> None:
        """Call ``callback(claim_id)`` after the student records a judgement."""
        self._judged_callbacks.append(callback)

    def judgement_of(self, claim_id: str) -> dict | None:
        if claim_id in self._judged_in_memory or not self.notes:
            return self._judged_in_memory.get(claim_id)
        return self.notes.judgement(claim_id)

    def verdict_hidden(self, claim_id: str) -> bool:
        return self.judge_first and self.judgement_of(claim_id) is None

    @property
    def claim(self):
        claims = self.edition.paragraph(self.paragraph_number).claims
        return claims[self.choice.value - 1] if claims and self.choice.value else None

    @observe("paragraph_number")
    def _on_paragraph_change(self, change) -> None:
        self._show_paragraph()

    @observe("judge_first")
    def _on_mode_change(self, change) -> None:
        self._show_paragraph()

    def _show_paragraph(self) -> None:
        claims = self.edition.paragraph(self.paragraph_number).claims
        options = [
            (
                f"claim {number} · "
                + ("verdict hidden" if self.verdict_hidden(claim.claim_id) else claim.verdict)
                + f" · “{claim.quote[:50]}{'…' if len(claim.quote) > 50 else ''}”",
                number,
            )
            for number, claim in enumerate(claims, start=1)
        ]
        with self.choice.hold_sync():  # options and selection reach the page in one message
            self._quiet = True
            self.choice.options = options
            self.choice.value = 1 if claims else None
            self._quiet = False
        self._show()

    def _show(self) -> None:
        claim = self.claim
        if claim is None:
            self.view.value = render.empty_html("No checkable claims recorded for this paragraph.")
            self.judge_box.layout.display = "none"
            return
        hidden = self.verdict_hidden(claim.claim_id)
        mine = render.own_judgement_html(
            self.judgement_of(claim.claim_id), not_saved=self._not_saved.get(claim.claim_id)
        )
        key = (claim.claim_id, self.choice.value, hidden)
        claim_html = self._html_cache.get_or_make(
            key, lambda: render.claim_html(claim, self.choice.value, self.edition, show_verdict=not hidden)
        )
        self.view.value = claim_html + mine
        self.judge_box.layout.display = None if hidden else "none"
        self.judgement.value, self.reason.value = None, ""

    def record(self) -> None:
        claim = self.claim
        if claim is None or self.judgement.value is None:
            return
        self._judged_in_memory[claim.claim_id] = {"judgement": self.judgement.value, "reason": self.reason.value}
        if self.notes:
            self._save_judgements()
        number = self.choice.value
        self._show_paragraph()
        self.choice.value = number
        for callback in self._judged_callbacks:
            callback(claim.claim_id)

    def _save_judgements(self) -> None:
        """Save every judgement not yet on disk (this one, and any whose save failed before)."""
        for claim_id, own in list(self._judged_in_memory.items()):
            try:
                self.notes.set_judgement(claim_id, own["judgement"], own["reason"])
            except OSError as error:  # the notes module's NotesSaveError is one; so is a full disk
                self._not_saved[claim_id] = failure_reason(error)
            else:
                del self._judged_in_memory[claim_id]
                self._not_saved.pop(claim_id, None)

    def text(self) -> str:
        claim = self.claim
        if claim is None:
            return "No checkable claims."
        verdict = "verdict hidden until you judge" if self.verdict_hidden(claim.claim_id) else claim.verdict
        return f"Claim {self.choice.value} ({verdict}): “{claim.quote}”"
