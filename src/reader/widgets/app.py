"""The whole reader as a reading room: the paragraph at the centre, the apparatus in a side panel beside it (below it
on narrow screens), compact navigation and layer bars above, a projector mode for the teacher."""

from importlib.resources import files

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from traitlets import Bool, dlink, link, observe

from reader import render
from reader.model import Edition
from reader.site import browser
from reader.widgets.base import (
    ParagraphView,
    ReaderView,
    checked_paragraph_number,
    html,
    shared_layout,
    shared_style,
)
from reader.widgets.chronology import Chronology
from reader.widgets.entity_cards import EntityCards, card_text
from reader.widgets.excerpt_view import ExcerptView
from reader.widgets.notes_panel import NotesPanel
from reader.widgets.paragraph_reader import ParagraphReader
from reader.widgets.questions_view import QuestionsView
from reader.widgets.reader_settings import ReaderSettings
from reader.widgets.search_view import SearchView

TAB_TITLES = ("Cards", "Chronology", "Quoted document", "Questions", "Search")


def stylesheet() -> widgets.HTML:
    """The reader's own CSS (contrast, focus rings, mention styles), as a widget that carries a <style> element."""
    css = files("reader").joinpath("reader.css").read_text(encoding="utf-8")
    return html(render.stylesheet_html(css), layout=shared_layout(display="none"))


class ReaderApp(ParagraphView):
    """One app composing the reader's views; every view follows the current paragraph.

    The app owns the current paragraph: its ``paragraph_number`` refuses a number the edition does not have
    (``ValueError`` naming the range, from ``go_to``, ``reader.open`` or setting the trait). The paragraph reader is
    linked to it both ways (its buttons and jump list move the app); the notes, the excerpt button and the tab on
    screen follow it with one-way links.
    """

    projector = Bool(False)
    show_apparatus = Bool(False)

    def __init__(
        self,
        edition: Edition,
        paragraph_number: int = 1,
        notes=None,
        judge_first: bool = False,
        teacher: bool = False,
        notes_download: bool = False,
        **kwargs,
    ):
        self.edition = edition
        paragraph_number = checked_paragraph_number(edition, paragraph_number)  # before anything is built
        self.notes = notes
        self.teacher = teacher
        self.paragraph_reader = ParagraphReader(
            edition, paragraph_number, notes=notes, judge_first=judge_first, standalone=False
        )
        self.notes_panel = (
            NotesPanel(edition, notes, paragraph_number, download=notes_download) if notes is not None else None
        )
        # A tab's view is built when the tab is first opened (or used from code): the app starts with the
        # paragraph and its cards only, so a page, a Voilà app and a classroom of kernels start lighter.
        self._views: dict[str, ReaderView] = {}
        self._tab_boxes = [widgets.VBox(layout=shared_layout()) for _ in TAB_TITLES]
        self.tabs = widgets.Tab(children=self._tab_boxes, titles=TAB_TITLES, layout=shared_layout())
        self._tab_link: dlink | None = None
        self._open_elsewhere_callbacks: list = []
        self.excerpt_button = widgets.Button(
            description="Open the quoted document",
            tooltip="Show the document this paragraph quotes",
            layout=widgets.Layout(width="auto"),
        )
        self.excerpt_button.on_click(lambda _button: self.open_excerpt())
        self.bridge = self.paragraph_reader.bridge
        self.paragraph_reader.claims_panel.on_judged(lambda claim_id: self.bridge.focus_region("claim"))
        self.projector_toggle = widgets.Checkbox(
            value=False,
            description="Projector",
            indent=False,
            tooltip="The paragraph alone in large type; ← → or Page Up / Page Down turn the page",
            layout=shared_layout(width="auto"),
            style=shared_style(CheckboxStyle),
        )
        self.apparatus_toggle = widgets.Checkbox(
            value=False,
            description="Show the apparatus",
            indent=False,
            tooltip="In projector mode, show the notes, claims and tabs beside the text",
            layout=widgets.Layout(width="auto", display="none"),
            style=shared_style(CheckboxStyle),
        )
        for toggle in (self.projector_toggle, self.apparatus_toggle):
            toggle.add_class("reader-layer")
        self.settings = ReaderSettings(notes)
        super().__init__(paragraph_number=paragraph_number, **kwargs)
        self.add_class("reader-app")
        reading = self.paragraph_reader
        reading.navigation.children = [*reading.navigation.children, self.projector_toggle, self.apparatus_toggle]
        reading.layer_bar.children = [*reading.layer_bar.children, self.settings]
        for css in self.settings.css_classes:
            self.add_class(css)
        self.settings.observe(self._on_settings, names=["text_size", "line_spacing", "theme"])
        self.side_panel = widgets.VBox(
            [
                reading.notes_view,
                reading.claims_heading,
                reading.claims_panel,
                self.excerpt_button,
                self.tabs,
                *([self.notes_panel] if self.notes_panel else []),
            ],
            layout=shared_layout(),
        )
        self.side_panel.add_class("reader-side")
        room = widgets.Box([reading.text_column, self.side_panel], layout=shared_layout())
        room.add_class("reader-room")
        if (
            browser.in_browser()
        ):  # a static site shows the app alone: its stylesheet hides the console's prompt around it
            self.add_class("reader-in-browser")
        self.children = [
            stylesheet(),
            html(render.title_html(edition)),
            reading.navigation,
            reading.layer_bar,
            room,
        ]
        link((self.projector_toggle, "value"), (self, "projector"))
        link((self.apparatus_toggle, "value"), (self, "show_apparatus"))
        # In this order, so that on a change the paragraph's text is the first message sent.
        link((self, "paragraph_number"), (self.paragraph_reader, "paragraph_number"))
        if self.notes_panel is not None:
            dlink((self, "paragraph_number"), (self.notes_panel, "paragraph_number"))
        dlink((self, "paragraph_number"), (self.excerpt_button.layout, "display"), transform=self._excerpt_display)
        self.tabs.observe(self._follow_visible_tab, names="selected_index")
        self._follow_visible_tab()

    # The tabs' views, built on first use -------------------------------------------------------------------
    entity_cards = property(lambda self: self.view("Cards"))
    chronology = property(lambda self: self.view("Chronology"))
    excerpt_view = property(lambda self: self.view("Quoted document"))
    questions = property(lambda self: self.view("Questions"))
    search = property(lambda self: self.view("Search"))

    def view(self, title: str) -> ReaderView:
        """The view of the tab ``title``, built (on the current paragraph) the first time it is asked for."""
        if title not in self._views:
            view = self._views[title] = self._make_view(title)
            self._tab_boxes[TAB_TITLES.index(title)].children = [view]
        return self._views[title]

    def built_views(self) -> tuple[str, ...]:
        return tuple(title for title in TAB_TITLES if title in self._views)

    def _make_view(self, title: str) -> ReaderView:
        number = self.paragraph_number
        if title == "Cards":
            view = EntityCards(self.edition, number)
            for callback in self._open_elsewhere_callbacks:
                view.on_open_elsewhere(callback)
        elif title == "Chronology":
            view = Chronology(self.edition, number)
        elif title == "Quoted document":
            view = ExcerptView(self.edition)
        elif title == "Questions":
            view = QuestionsView(self.edition, number, teacher=self.teacher)
            if not self.teacher:
                view.teacher_toggle.layout.display = "none"
            return view
        else:
            view = SearchView(self.edition)
            view.on_open_card(self.open_card)
            view.on_open_event(self.open_event)
        view.on_go_to_paragraph(self.go_to)
        return view

    def add_beside_claims(self, widget) -> None:
        """Show ``widget`` in the side panel just below the claims (the class's judgements, in a class)."""
        children = list(self.side_panel.children)
        children.insert(children.index(self.paragraph_reader.claims_panel) + 1, widget)
        self.side_panel.children = children

    def on_open_elsewhere(self, callback) -> None:
        """``callback(edition_name, paragraph_number, entity_id)`` when a card's "Also in" asks for another edition."""
        self._open_elsewhere_callbacks.append(callback)
        if "Cards" in self._views:
            self._views["Cards"].on_open_elsewhere(callback)

    def go_to(self, number: int) -> None:
        """Go to a paragraph from the apparatus ("Go to ¶5"): the paragraph is brought into view and focused."""
        self.paragraph_number = number
        self.bridge.focus_region("text")

    def open_tab(self, title: str) -> None:
        self.tabs.selected_index = TAB_TITLES.index(title)

    def open_excerpt(self) -> None:
        """ "Open the quoted document": its tab, brought into view and focused."""
        self.open_tab("Quoted document")
        self.bridge.focus_region("excerpt")

    def open_card(self, entity_id: str) -> None:
        self.open_tab("Cards")  # first: the tab catches up with the paragraph, then shows the card asked for
        self.entity_cards.entity_id = entity_id
        self.bridge.focus_region("card")

    def open_event(self, event_id: str) -> None:
        self.chronology.show_event(event_id)
        self.open_tab("Chronology")
        self.bridge.focus_region("event")

    def _on_settings(self, change) -> None:
        """The student's text size, line spacing and theme, as classes of the app (reader.css applies them)."""
        prefix = {"text_size": "reader-size-", "line_spacing": "reader-spacing-", "theme": "reader-theme-"}[
            change["name"]
        ]
        self.remove_class(prefix + change["old"])
        self.add_class(prefix + change["new"])

    @observe("projector", "show_apparatus")
    def _on_projector(self, change) -> None:
        """Projector mode: the paragraph alone in large type; the apparatus on demand."""
        for on, css in (
            (self.projector, "reader-projector"),
            (self.projector and self.show_apparatus, "reader-with-apparatus"),
        ):
            (self.add_class if on else self.remove_class)(css)
        self.apparatus_toggle.layout.display = None if self.projector else "none"
        if change["name"] == "projector" and self.projector:
            self.bridge.focus_region("text")

    def _follow_visible_tab(self, change=None) -> None:
        """Only the tab on screen follows the paragraph at once; the others catch up when they are opened.

        This keeps a paragraph change cheap (the chronology of a large edition is the costliest view).
        """
        if self._tab_link is not None:
            self._tab_link.unlink()
            self._tab_link = None
        view = self.view(TAB_TITLES[self.tabs.selected_index or 0])
        if isinstance(view, ParagraphView):
            self._tab_link = dlink((self, "paragraph_number"), (view, "paragraph_number"))  # catches up at once

    def _excerpt_display(self, paragraph_number: int) -> str | None:
        quoted_here = any(document.paragraph == paragraph_number for document in self.edition.documents)
        return None if quoted_here else "none"

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and the reading room as still HTML of the same look (``text/html``): JupyterLab shows it when
        the widget cannot be drawn (after a page reload, before the kernel runs again)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        css = files("reader").joinpath("reader.css").read_text(encoding="utf-8")
        bundle["text/html"] = render.static_reader_html(
            self.edition.paragraph(self.paragraph_number), self.edition, css
        )
        return bundle

    def text(self) -> str:
        """The paragraph and the card the Cards tab shows with it, read from the model: a repr changes nothing."""
        cards = self._views.get("Cards")
        paragraph = self.edition.paragraph(self.paragraph_number)
        if cards is not None:
            entity_id = cards.entity_shown_on(self.paragraph_number)
        else:
            entity_id = paragraph.entity_ids[0] if paragraph.entity_ids else None
        return "\n\n".join([render.paragraph_text(paragraph, self.edition), card_text(self.edition, entity_id)])
