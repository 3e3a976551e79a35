"""A choice of text, above the reader, when a course bundles more than one edition (``data/editions.yaml``)."""

import ipywidgets as widgets
from traitlets import TraitError, Unicode, link, observe, validate

from reader.widgets.base import ReaderView, shared_layout


class EditionPicker(ReaderView):
    """The editions of a course by title; the reader of the one chosen below them.

    ``edition_name`` (the edition's folder name) is owned here and refused unless it is one of the editions; the
    list follows it with a link. Each edition's reader is made when first chosen and kept, so a student who goes back
    finds the paragraph, the tab and the notes as left. A card's "Also in" button opens the other edition there.
    """

    edition_name = Unicode()

    def __init__(self, editions: list[tuple[str, str]], open_edition, edition_name: str | None = None, **kwargs):
        """``editions``: (name, title) pairs in the order shown; ``open_edition(name)`` makes that edition's reader."""
        if not editions:
            raise ValueError("no edition to choose from")
        self.editions = tuple(editions)
        self._open_edition = open_edition
        self._apps: dict[str, widgets.Widget] = {}
        self.choice = widgets.Dropdown(
            options=[(title, name) for name, title in self.editions],
            description="Text",
            tooltip="Choose the text to read",
            layout=shared_layout(width="auto", max_width="100%"),
        )
        self.holder = widgets.VBox(layout=shared_layout())
        super().__init__(edition_name=edition_name or self.editions[0][0], **kwargs)
        self.add_class("reader-edition-picker")
        self.children = [self.choice, self.holder]
        link((self, "edition_name"), (self.choice, "value"))
        self._show()

    @validate("edition_name")
    def _valid_edition_name(self, proposal) -> str:
        names = [name for name, _ in self.editions]
        if proposal["value"] not in names:
            raise TraitError(f"{proposal['value']!r} is not an edition here; expected one of {', '.join(names)}")
        return proposal["value"]

    @observe("edition_name")
    def _on_edition_change(self, change) -> None:
        if self.children:  # once built
            self._show()

    @property
    def app(self):
        """The reader of the edition chosen, made on first use."""
        if self.edition_name not in self._apps:
            app = self._open_edition(self.edition_name)
            if hasattr(app, "on_open_elsewhere"):
                app.on_open_elsewhere(self.show_edition)
            self._apps[self.edition_name] = app
        return self._apps[self.edition_name]

    def _show(self) -> None:
        self.holder.children = [self.app]

    def show_edition(self, edition_name: str, paragraph_number: int = 1, entity_id: str | None = None) -> None:
        """Show ``edition_name`` at ``paragraph_number`` (with the card of ``entity_id``, if that edition has it)."""
        self.edition_name = edition_name
        self.app.go_to(paragraph_number)
        if entity_id is not None and entity_id in self.app.edition.paragraph(paragraph_number).entity_ids:
            self.app.open_card(entity_id)

    def text(self) -> str:
        names = [name for name, _ in self.editions]
        title = dict(self.editions)[self.edition_name]
        return f"Text {names.index(self.edition_name) + 1} of {len(names)}: {title}\n{self.app!r}"
