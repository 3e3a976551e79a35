"""One box that finds a word or a name in the text, the cards, the notes and the chronology."""

from collections.abc import Callable

import ipywidgets as widgets
from traitlets import Unicode, link, observe

from reader import render
from reader.model import Edition
from reader.search import Hit, SearchIndex
from reader.widgets.base import ReaderView, button

KIND_LABELS = {"paragraph": "Text", "card": "Card", "note": "Note", "event": "Event"}


class SearchView(ReaderView):
    """Type a word; every hit is a button that goes to its place (paragraph, card or event).

    The hit buttons are a pool, made on first need and reused by every later search (a search only relabels them
    and changes which are shown): searching again and again never leaves widget models behind.
    """

    query = Unicode("")

    def __init__(self, edition: Edition, **kwargs):
        self.edition = edition
        self.index = SearchIndex(edition)
        self._card_callbacks: list[Callable[[str], None]] = []
        self._event_callbacks: list[Callable[[str], None]] = []
        self._hit_buttons: list[widgets.Button] = []
        self.box = widgets.Text(
            placeholder="a word or a name" + (f", e.g. {edition.search_example}" if edition.search_example else ""),
            description="Search",
            continuous_update=False,
            tooltip=f"Search the {edition.text_kind}, the cards, the notes and the chronology",
        )
        self.summary = widgets.HTML()
        self.results = widgets.VBox()
        self.hits: list[Hit] = []
        super().__init__(**kwargs)
        self.add_class("reader-search")
        link((self.box, "value"), (self, "query"))
        self.children = [self.box, self.summary, self.results]

    def on_open_card(self, callback) -> None:
        self._card_callbacks.append(callback)

    def on_open_event(self, callback) -> None:
        self._event_callbacks.append(callback)

    @observe("query")
    def _on_query(self, change) -> None:
        self.hits = self.index.search(change["new"])
        self.summary.value = render.search_summary_html(change["new"], len(self.hits))
        for position, hit in enumerate(self.hits):
            label = f"{KIND_LABELS[hit.kind]}: {hit.label} — {hit.snippet}"
            hit_button = self._hit_button(position)
            with hit_button.hold_sync():  # label and tooltip in one message
                hit_button.description, hit_button.tooltip = label[:110], label
        self.results.children = self._hit_buttons[: len(self.hits)]

    def _hit_button(self, position: int) -> widgets.Button:
        while len(self._hit_buttons) <= position:
            index = len(self._hit_buttons)
            hit_button = button("", "")
            hit_button.add_class("reader-search-hit")
            hit_button.on_click(lambda _button, index=index: self.go_to_hit(self.hits[index]))
            self._hit_buttons.append(hit_button)
        return self._hit_buttons[position]

    def go_to_hit(self, hit) -> None:
        if hit.entity_id:
            for callback in self._card_callbacks:
                callback(hit.entity_id)
        if hit.event_id:
            for callback in self._event_callbacks:
                callback(hit.event_id)
        if hit.paragraph:
            self._go_to_paragraph(hit.paragraph)

    def text(self) -> str:
        if not self.query:
            return "Search: (empty)"
        return "\n".join(
            [f"Search “{self.query}”: {len(self.hits)} found"]
            + [f"{KIND_LABELS[hit.kind]}: {hit.label}" for hit in self.hits]
        )
