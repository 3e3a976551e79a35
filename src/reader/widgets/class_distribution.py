"""The class's judgements of the claim a student is looking at: never before they have judged it themselves, and
only once the teacher has revealed it."""

import ipywidgets as widgets

from reader import render_classroom
from reader.classroom.access import ClassRefusal, StudentAccess
from reader.model import Edition
from reader.student_notes import JUDGEMENTS
from reader.widgets.base import ReaderView, button, html, shared_layout
from reader.widgets.claims_panel import ClaimsPanel

NOT_JUDGED = "hidden until you judge"


class ClassDistribution(ReaderView):
    """Follows a :class:`ClaimsPanel`: for a claim the student has judged, the class's judgements beside the record
    (once revealed), or a line saying they are not shown yet, with a button to look again. For a claim not yet judged
    it shows nothing and asks the class nothing: judge first holds for the class's answers too."""

    def __init__(self, edition: Edition, access: StudentAccess, claims_panel: ClaimsPanel, **kwargs):
        self.edition = edition
        self.access = access
        self.claims_panel = claims_panel
        self.view = html()
        self.check_button = button("See the class’s judgements", "Ask whether the teacher has shown them")
        self.check_button.on_click(lambda _button: self.refresh())
        super().__init__(layout=shared_layout(display="none"), **kwargs)
        self.add_class("reader-class-distribution")
        self.children = [self.view, widgets.HBox([self.check_button], layout=shared_layout())]
        self.shown: str = NOT_JUDGED  # what the view says, in words (for the repr and the tests)
        claims_panel.choice.observe(lambda change: self.refresh(), names="value")
        claims_panel.on_judged(lambda claim_id: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        claim = self.claims_panel.claim
        if claim is None or self.claims_panel.judgement_of(claim.claim_id) is None:
            self.shown = NOT_JUDGED
            self.layout = shared_layout(display="none")
            return
        self.layout = shared_layout()
        try:
            distribution = self.access.distribution(claim.claim_id)
        except ClassRefusal as refusal:
            self.shown = f"not shown: {refusal}"
            self.view.value = render_classroom.distribution_waiting_html(
                f"The class’s judgements of this claim are not shown yet ({refusal})."
            )
            return
        self.shown = ", ".join(
            f"{verdict} {distribution.counts[verdict]}" for verdict in JUDGEMENTS if verdict in distribution.counts
        )
        self.view.value = render_classroom.distribution_html(claim, distribution.counts, distribution.judged)

    def text(self) -> str:
        return f"The class’s judgements: {self.shown}"
