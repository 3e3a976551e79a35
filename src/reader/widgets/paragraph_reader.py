"""The essay one paragraph at a time: navigation, layers (names, [sic] readings, notes, claims), the apparatus."""

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from traitlets import Bool, TraitError, Unicode, dlink, link, observe, validate

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
from reader.widgets.bridge import ReaderBridge
from reader.widgets.claims_panel import ClaimsPanel

LAYER_LABELS = {
    "names": ("Names", "Mark the people, bodies, places and events the text names"),
    "readings": ("[sic] readings", "Show the edition's reading of each slip (the text as written stays in the notes)"),
    "notes": ("Notes", "Show a marker for each editorial note"),
    "claims": ("Claims", "Underline each checkable statement, with its verdict"),
}
JUMP_LABEL_WORDS = 6  # the jump menu shows the first words of a paragraph; its accessible name has all of them


def jump_label(paragraph) -> str:
    """A short visible label for the jump menu, cut at a word (the full text is the option's accessible name)."""
    words = paragraph.text.split()
    shown = " ".join(words[:JUMP_LABEL_WORDS])
    return f"¶{paragraph.number} — {shown}{' …' if len(words) > JUMP_LABEL_WORDS else ''}"


class ParagraphReader(ParagraphView):
    """The current paragraph with its citable id and position, and everything needed to judge it.

    Standalone, it owns its ``paragraph_number``; in a :class:`ReaderApp` it is linked to the app's, and the app
    lays out its parts (``navigation``, ``layer_bar``, ``text_view`` in the centre, ``notes_view`` and
    ``claims_panel`` in the side panel). Every layer is off at first: the paragraph reads as plain text.
    ``chosen_marker`` is the note or claim whose marker the student chose (``note-3``, ``claim-2``, or "").
    """

    with_names = Bool(False)
    with_readings = Bool(False)
    with_notes = Bool(False)
    with_claims = Bool(False)
    chosen_marker = Unicode("")

    def __init__(
        self,
        edition: Edition,
        paragraph_number: int = 1,
        notes=None,
        judge_first: bool = False,
        standalone: bool = True,
        **kwargs,
    ):
        self.edition = edition
        paragraph_number = checked_paragraph_number(edition, paragraph_number)  # before anything is built
        self._html_cache = RecentCache.per_paragraph(edition)
        self._notes_cache = RecentCache.per_paragraph(edition)
        count = edition.paragraph_count
        self.first_button = self._nav_button("◀◀ First", "First paragraph", lambda: 1)
        self.previous_button = self._nav_button(
            "◀ Previous", "Previous paragraph", lambda: max(1, self.paragraph_number - 1)
        )
        self.next_button = self._nav_button("Next ▶", "Next paragraph", lambda: min(count, self.paragraph_number + 1))
        self.last_button = self._nav_button("Last ▶▶", "Last paragraph", lambda: count)
        self.jump = widgets.Dropdown(
            options=[(jump_label(paragraph), paragraph.number) for paragraph in edition.all_paragraphs()],
            description="Go to",
            tooltip="Go to a paragraph",
            layout=shared_layout(width="auto", max_width="480px"),
            style=shared_style(DescriptionStyle, description_width="initial"),
        )
        self.jump.add_class("reader-jump")
        self.layer_toggles = {
            layer: widgets.Checkbox(
                value=False,
                description=label,
                indent=False,
                tooltip=tooltip,
                layout=shared_layout(width="auto"),
                style=shared_style(CheckboxStyle),
            )
            for layer, (label, tooltip) in LAYER_LABELS.items()
        }
        self.names_toggle = self.layer_toggles["names"]
        self.readings_toggle = self.layer_toggles["readings"]
        self.notes_toggle = self.layer_toggles["notes"]
        self.claims_toggle = self.layer_toggles["claims"]
        for toggle in self.layer_toggles.values():
            toggle.add_class("reader-layer")
        # The position and the text in one widget: a paragraph change is one message for both (docs/performance.md).
        self.text_view = html()
        self.text_view.add_class("reader-paragraph")
        self.notes_view = html()
        self.notes_view.add_class("reader-notes-view")
        self.claims_panel = ClaimsPanel(
            edition, notes=notes, judge_first=judge_first, paragraph_number=paragraph_number
        )
        self.claims_panel.on_judged(lambda claim_id: self._render_text())
        self.bridge = ReaderBridge(
            layout=widgets.Layout(display="none"),
            jump_names=[f"¶{paragraph.number}: {paragraph.text}" for paragraph in edition.all_paragraphs()],
        )
        self.bridge.on_page(self.turn_page)
        self.bridge.on_marker(self.choose_marker)
        super().__init__(paragraph_number=paragraph_number, **kwargs)
        self.add_class("reader-paragraph-reader")
        self.navigation = widgets.HBox(
            [self.first_button, self.previous_button, self.next_button, self.last_button, self.jump, self.bridge],
            layout=shared_layout(flex_flow="row wrap", align_items="center"),
        )
        self.navigation.add_class("reader-nav")
        self.layer_bar = widgets.HBox(
            [html(render.layer_bar_label_html()), *self.layer_toggles.values()],
            layout=shared_layout(flex_flow="row wrap", align_items="center"),
        )
        self.layer_bar.add_class("reader-layers")
        self.claims_heading = html(render.heading_html("Claims: what the record says", level=3))
        self.text_column = widgets.VBox([self.text_view], layout=shared_layout())
        self.text_column.add_class("reader-text-column")
        self.side_panel = widgets.VBox(
            [self.notes_view, self.claims_heading, self.claims_panel], layout=shared_layout()
        )
        self.side_panel.add_class("reader-side")
        room = widgets.Box([self.text_column, self.side_panel], layout=shared_layout())
        room.add_class("reader-room")
        self.children = [self.navigation, self.layer_bar, room]
        self._render()
        # The views of the paragraph follow it. Registered after the class's own observer, so that on a change the
        # text (what the student waits for) is sent first. The jump list is set by index: the paragraphs are
        # numbered 1…N (checked at load), so nothing is searched.
        link((self, "paragraph_number"), (self.jump, "index"), transform=(lambda number: number - 1, _plus_one))
        dlink((self, "paragraph_number"), (self.claims_panel, "paragraph_number"))
        for layer, toggle in self.layer_toggles.items():
            link((toggle, "value"), (self, f"with_{layer}"))

    def _nav_button(self, label: str, tooltip: str, target) -> widgets.Button:
        nav = button(label, tooltip)
        nav.on_click(lambda used: self._navigate(target(), used))
        return nav

    def _navigate(self, number: int, used: widgets.Button | None = None) -> None:
        """Go to paragraph ``number``; if the button used is now disabled, focus its partner, so focus never falls
        to the page (after "Last ▶▶" the focus moves to "◀ Previous")."""
        self.paragraph_number = number
        if used is not None and used.disabled:
            partner = {
                self.first_button: self.next_button,
                self.previous_button: self.next_button,
                self.next_button: self.previous_button,
                self.last_button: self.previous_button,
            }[used]
            if not partner.disabled:
                partner.focus()

    def turn_page(self, page: str) -> None:
        """A page turn from the keyboard: "next", "previous", "first" or "last" (at an end, nothing happens)."""
        count = self.edition.paragraph_count
        targets = {
            "next": min(count, self.paragraph_number + 1),
            "previous": max(1, self.paragraph_number - 1),
            "first": 1,
            "last": count,
        }
        self.paragraph_number = targets[page]

    @validate("chosen_marker")
    def _valid_marker(self, proposal) -> str:
        value = proposal["value"]
        if value and value not in render.marker_ids(self.paragraph):
            raise TraitError(f"{value!r} is not a marker of {self.paragraph.label}")
        return value

    def choose_marker(self, marker_id: str) -> None:
        """Show the note or claim of a marker in the side panel, highlighted, and mark its words in the text;
        choosing it again clears the choice. An id the paragraph does not have is ignored."""
        if marker_id not in render.marker_ids(self.paragraph):
            return
        self.chosen_marker = "" if self.chosen_marker == marker_id else marker_id
        if self.chosen_marker.startswith("claim-"):
            self.claims_panel.choice.value = int(self.chosen_marker.split("-")[1])
            self.bridge.focus_region("claim")
        elif self.chosen_marker:
            self.bridge.focus_region("chosen")

    @observe("paragraph_number")
    def _on_paragraph_change(self, change) -> None:
        self.chosen_marker = ""
        self._render()

    @observe("with_names", "with_readings", "with_notes", "with_claims", "chosen_marker")
    def _on_layer_change(self, change) -> None:
        self._render_text()
        if change["name"] == "chosen_marker":
            self._render_notes()

    @property
    def paragraph(self):
        return self.edition.paragraph(self.paragraph_number)

    def _render(self) -> None:
        paragraph, count = self.paragraph, self.edition.paragraph_count
        self._render_text()  # first: the text is what the student waits for, so its message leaves first
        self._render_notes()
        self.first_button.disabled = self.previous_button.disabled = paragraph.number == 1
        self.next_button.disabled = self.last_button.disabled = paragraph.number == count

    def _render_notes(self) -> None:
        key = (self.paragraph_number, self.chosen_marker)
        self.notes_view.value = self._notes_cache.get_or_make(
            key,
            lambda: (
                render.heading_html("Editorial notes", level=3)
                + render.notes_html(self.paragraph, self.edition, chosen=self.chosen_marker)
            ),
        )

    def _render_text(self) -> None:
        hidden = (
            frozenset(
                claim.claim_id for claim in self.paragraph.claims if self.claims_panel.verdict_hidden(claim.claim_id)
            )
            if self.with_claims
            else frozenset()
        )
        layers = (self.with_names, self.with_readings, self.with_notes, self.with_claims)
        key = (self.paragraph_number, layers, hidden, self.chosen_marker)
        self.text_view.value = self._html_cache.get_or_make(
            key,
            lambda: render.paragraph_page_html(
                self.paragraph,
                self.edition,
                with_names=self.with_names,
                with_readings=self.with_readings,
                with_notes=self.with_notes,
                with_claims=self.with_claims,
                hidden_verdicts=hidden,
                chosen=self.chosen_marker,
            ),
        )

    def text(self) -> str:
        return render.paragraph_text(self.paragraph, self.edition)


def _plus_one(index: int) -> int:
    return index + 1
