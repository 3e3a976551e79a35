"""One box that finds a word or a name in the text, the cards, the notes and the chronology."""

import ipywidgets as widgets
from traitlets import Unicode, observe

from reader.model import Edition
from reader.search import SearchIndex
from reader.widgets.base import ReaderView

KIND_LABELS = {"paragraph": "Text", "card": "Card", "note": "Note", "event": "Event"}


class SearchView(ReaderView):
    """Type a word; every hit is a button that goes to its place (paragraph, card or event)."""

    query = Unicode("")

    def __init__(self, edition: Edition, **kwargs):
        self.edition = edition
        self.index = SearchIndex(edition)
        self._card_callbacks, self._event_callbacks = [], []
        self.box = widgets.Text(
            placeholder="a word or a name, e.g. Zhukov, ministries, 1957",
            description="Search",
            continuous_update=False,
            tooltip="Search the essay, the cards, the notes and the chronology",
        )
        self.summary = widgets.HTML()
        self.results = widgets.VBox()
        super().__init__(**kwargs)
        self.add_class("reader-search")
        self.box.observe(lambda change: setattr(self, "query", change["new"]), names="value")
        self.children = [self.box, self.summary, self.results]
        self.hits = []

    def on_open_card(self, callback) -> None:
        self._card_callbacks.append(callback)

    def on_open_event(self, callback) -> None:
        self._event_callbacks.append(callback)

    @observe("query")
    def _on_query(self, change) -> None:
        self.box.value = change["new"]
        self.hits = self.index.search(change["new"])
        self.summary.value = (
            f'<p aria-live="polite">{len(self.hits)} place{"s" if len(self.hits) != 1 else ""} found</p>'
            if change["new"].strip()
            else ""
        )
        self.results.children = [self._button(hit) for hit in self.hits]

    def _button(self, hit) -> widgets.Button:
        label = f"{KIND_LABELS[hit.kind]}: {hit.label} — {hit.snippet}"
        button = widgets.Button(description=label[:110], tooltip=label, layout=widgets.Layout(width="auto"))
        button.add_class("reader-search-hit")
        button.on_click(lambda _button: self.go_to_hit(hit))
        return button

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
