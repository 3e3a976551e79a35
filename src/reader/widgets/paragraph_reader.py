"""The essay one paragraph at a time: navigation, marked mentions, [sic] readings, notes and claims."""

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from traitlets import Bool, Int, observe

from reader import render
from reader.escaping import escape
from reader.model import Edition
from reader.widgets.base import ReaderView, RecentCache, button, html, shared_layout, shared_style
from reader.widgets.claims_panel import ClaimsPanel

TEXT_MODES = [("As written", False), ("With [sic] readings", True)]


class ParagraphReader(ReaderView):
    """The current paragraph with its citable id and position, and everything needed to judge it."""

    paragraph_number = Int(1)
    with_readings = Bool(False)
    with_claims = Bool(False)

    def __init__(self, edition: Edition, paragraph_number: int = 1, notes=None, judge_first: bool = False, **kwargs):
        self.edition = edition
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
        self.jump.observe(self._on_jump, names="value")
        self.text_mode = widgets.RadioButtons(
            layout=shared_layout(),
            style=shared_style(DescriptionStyle),
            options=TEXT_MODES,
            value=False,
            description="Text",
            tooltip="Show the text as written, or with [sic] readings",
        )
        self.text_mode.observe(lambda change: setattr(self, "with_readings", change["new"]), names="value")
        self.claims_toggle = widgets.Checkbox(
            layout=shared_layout(),
            value=False,
            description="Mark checkable claims",
            indent=False,
            tooltip="Underline each checkable statement with its verdict",
        )
        self.claims_toggle.observe(lambda change: setattr(self, "with_claims", change["new"]), names="value")
        self.legend = html(self._legend_html())
        # One HTML widget for the position, the text and the editorial notes: a paragraph change is then one
        # message to the page for all three (see docs/performance.md).
        self.text_view = html()
        self.text_view.add_class("reader-paragraph")
        self.claims_panel = ClaimsPanel(
            edition, notes=notes, judge_first=judge_first, paragraph_number=paragraph_number
        )
        self.claims_panel.on_judged(lambda claim_id: self._render_text())
        super().__init__(**kwargs)
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
            html("<h4>Claims: what the record says</h4>"),
            self.claims_panel,
        ]
        self.paragraph_number = paragraph_number
        self._render()

    def _nav_button(self, label: str, tooltip: str, target) -> widgets.Button:
        nav = button(label, tooltip)
        nav.on_click(lambda _button: setattr(self, "paragraph_number", target()))
        return nav

    def _on_jump(self, change) -> None:
        if change["new"] is not None:
            self.paragraph_number = change["new"]

    def _legend_html(self) -> str:
        kinds = sorted({entity.kind for entity in self.edition.all_entities()}, key=list(render.KIND_MARKS).index)
        items = "".join(
            f'<span class="reader-mention reader-kind-{kind}">{escape(kind)}'
            f'<sup class="reader-kind-mark">{render.KIND_MARKS[kind]}</sup></span> '
            for kind in kinds
        )
        verdicts = "".join(
            f'<span class="reader-claim reader-verdict-{render.css_class(verdict)}">'
            f"{render.VERDICT_MARKS[verdict]} {escape(verdict)}</span> "
            for verdict in render.VERDICT_MARKS
        )
        return (
            f'<div class="reader-legend"><span class="reader-label">Names:</span> {items}'
            f'<br><span class="reader-label">Claims:</span> {verdicts}</div>'
        )

    @observe("paragraph_number")
    def _on_paragraph_change(self, change) -> None:
        number = min(max(1, change["new"]), self.edition.paragraph_count)
        if number != change["new"]:
            self.paragraph_number = number
            return
        self._render()

    @observe("with_readings", "with_claims")
    def _on_layer_change(self, change) -> None:
        self.text_mode.value = self.with_readings
        self.claims_toggle.value = self.with_claims
        self._render_text()

    @property
    def paragraph(self):
        return self.edition.paragraph(self.paragraph_number)

    def _render(self) -> None:
        paragraph, count = self.paragraph, self.edition.paragraph_count
        self._render_text()  # first: the text is what the student waits for, so its message leaves first
        self.jump.index = paragraph.number - 1  # paragraphs are numbered 1…N (checked at load): no search by value
        self.first_button.disabled = self.previous_button.disabled = paragraph.number == 1
        self.next_button.disabled = self.last_button.disabled = paragraph.number == count
        self.claims_panel.paragraph_number = paragraph.number

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
            lambda: self._paragraph_page_html(hidden),
        )

    def _paragraph_page_html(self, hidden_verdicts: frozenset) -> str:
        paragraph, count = self.paragraph, self.edition.paragraph_count
        return (
            f'<p class="reader-position-line"><span class="reader-position" aria-live="polite">'
            f"{paragraph.label} of {count}</span></p>"
            + render.paragraph_html(
                paragraph,
                self.edition,
                with_readings=self.with_readings,
                with_claims=self.with_claims,
                hidden_verdicts=hidden_verdicts,
            )
            + "<h4>Editorial notes</h4>"
            + render.notes_html(paragraph, self.edition)
        )

    def text(self) -> str:
        return render.paragraph_text(self.paragraph, self.edition)
