"""The document the essay quotes: quotation, citation, what is verified of each part, and its context."""

import ipywidgets as widgets

from reader import render
from reader.model import Edition
from reader.widgets.base import ReaderView, go_button


class ExcerptView(ReaderView):
    """The CIA 1977 excerpt (or any edition's quoted document), reachable from the paragraph that quotes it."""

    def __init__(self, edition: Edition, **kwargs):
        self.edition = edition
        self.excerpt = edition.excerpt_document
        self.view = widgets.HTML(
            render.excerpt_html(self.excerpt, edition)
            if self.excerpt
            else render.empty_html("This edition quotes no document.")
        )
        super().__init__(**kwargs)
        self.add_class("reader-excerpt-view")
        self.children = [self.view] + (
            [go_button(self.excerpt.paragraph, self._go_to_paragraph, "Read it in")] if self.excerpt else []
        )
        for document in edition.documents[1:]:  # an edition may quote several documents
            self.children += (
                widgets.HTML(render.excerpt_html(document, edition)),
                go_button(document.paragraph, self._go_to_paragraph, "Read it in"),
            )

    def text(self) -> str:
        if not self.excerpt:
            return "This edition quotes no document."
        return "\n\n".join(render.excerpt_text(document) for document in self.edition.documents)
