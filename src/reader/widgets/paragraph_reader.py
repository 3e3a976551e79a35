"""The essay one paragraph at a time: navigation, marked mentions, [sic] readings, notes and claims."""

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from traitlets import Bool, dlink, link, observe

from reader import render
from reader.model import Edition
from reader.widgets.base import (
    ParagraphView,
    RecentCache,
    button,
    checked_paragraph_number,
    html,
    shared_layout,
    shared_style,
)
from reader.widgets.claims_panel import ClaimsPanel

TEXT_MODES = [("As written", False), ("With [sic] readings", True)]


class ParagraphReader(ParagraphView):
    """The current paragraph with its citable id and position, and everything needed to judge it.

    Standalone, it owns its ``paragraph_number``; in a :class:`ReaderApp` it is linked to the app's.
    """

    with_readings = Bool(False)
    with_claims = Bool(False)

    def __init__(self, edition: Edition, paragraph_number: int = 1, notes=None, judge_first: bool = False, **kwargs):
        self.edition = edition
        paragraph_number = checked_paragraph_number(edition, paragraph_number)  # before anything is built
        self._html_cache = RecentCache.per_paragraph(edition)
        count = edition.paragraph_count
        self.first_button = self._nav_button("◀◀ First", "First paragraph", lambda: 1)
        self.previous_button = self._nav_button(
            "◀ Previous", "Previous paragraph", lambda: max(1, self.paragraph_number - 1)
        )
        self.next_button = self._nav_button("Next ▶", "Next paragraph", lambda: min(count, self.paragraph_number + 1))
        self.last_button = self._nav_button("Last ▶▶", "Last paragraph", lambda: count)
        self.jump = widgets.Dropdown(
            options=[
                (f"¶{paragraph.number} — {paragraph.text[:48]}…", paragraph.number)
                for paragraph in edition.all_paragraphs()
            ],
            description="Go to",
            tooltip="Go to a paragraph",
            layout=shared_layout(width="auto", max_width="420px"),
            style=shared_style(DescriptionStyle),
        )
        self.text_mode = widgets.RadioButtons(
            layout=shared_layout(),
            style=shared_style(DescriptionStyle),
            options=TEXT_MODES,
            value=False,
            description="Text",
            tooltip="Show the text as written, or with [sic] readings",
        )
        self.claims_toggle = widgets.Checkbox(
            layout=shared_layout(),
            value=False,
            description="Mark checkable claims",
            indent=False,
            tooltip="Underline each checkable statement with its verdict",
        )
        self.legend = html(render.legend_html(edition))
        # One HTML widget for the position, the text and the editorial notes: a paragraph change is then one
        # message to the page for all three (see docs/performance.md).
        self.text_view = html()
        self.text_view.add_class("reader-paragraph")
        self.claims_panel = ClaimsPanel(
            edition, notes=notes, judge_first=judge_first, paragraph_number=paragraph_number
        )
        self.claims_panel.on_judged(lambda claim_id: self._render_text())
        super().__init__(paragraph_number=paragraph_number, **kwargs)
        self.add_class("reader-paragraph-reader")
        navigation = widgets.HBox(
            [
                self.first_button,
                self.previous_button,
                self.next_button,
                self.last_button,
                self.jump,
            ],
            layout=shared_layout(flex_flow="row wrap"),
        )
        options = widgets.HBox([self.text_mode, self.claims_toggle], layout=shared_layout(flex_flow="row wrap"))
        self.children = [
            navigation,
            options,
            self.legend,
            self.text_view,
            html(render.heading_html("Claims: what the record says")),
            self.claims_panel,
        ]
        self._render()
        # The views of the paragraph follow it. Registered after the class's own observer, so that on a change the
        # text (what the student waits for) is sent first. The jump list is set by index: the paragraphs are
        # numbered 1…N (checked at load), so nothing is searched.
        link((self, "paragraph_number"), (self.jump, "index"), transform=(lambda number: number - 1, _plus_one))
        dlink((self, "paragraph_number"), (self.claims_panel, "paragraph_number"))
        link((self.text_mode, "value"), (self, "with_readings"))
        link((self.claims_toggle, "value"), (self, "with_claims"))

    def _nav_button(self, label: str, tooltip: str, target) -> widgets.Button:
        nav = button(label, tooltip)
        nav.on_click(lambda _button: setattr(self, "paragraph_number", target()))
        return nav

    @observe("paragraph_number")
    def _on_paragraph_change(self, change) -> None:
        self._render()

    @observe("with_readings", "with_claims")
    def _on_layer_change(self, change) -> None:
        self._render_text()

    @property
    def paragraph(self):
        return self.edition.paragraph(self.paragraph_number)

    def _render(self) -> None:
        paragraph, count = self.paragraph, self.edition.paragraph_count
        self._render_text()  # first: the text is what the student waits for, so its message leaves first
        self.first_button.disabled = self.previous_button.disabled = paragraph.number == 1
        self.next_button.disabled = self.last_button.disabled = paragraph.number == count

    def _render_text(self) -> None:
        hidden = (
            frozenset(
                claim.claim_id for claim in self.paragraph.claims if self.claims_panel.verdict_hidden(claim.claim_id)
            )
            if self.with_claims
            else frozenset()
        )
        key = (self.paragraph_number, self.with_readings, self.with_claims, hidden)
        self.text_view.value = self._html_cache.get_or_make(
            key,
            lambda: render.paragraph_page_html(
                self.paragraph,
                self.edition,
                with_readings=self.with_readings,
                with_claims=self.with_claims,
                hidden_verdicts=hidden,
            ),
        )

    def text(self) -> str:
        return render.paragraph_text(self.paragraph, self.edition)


def _plus_one(index: int) -> int:
    return index + 1
