"""The cards of the entities the current paragraph mentions, each leading to every paragraph that names it."""

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from traitlets import Unicode, observe

from reader import render
from reader.model import Appearance, Edition
from reader.widgets.base import GoButtons, ParagraphView, RecentCache, html, shared_layout, shared_style


class EntityCards(ParagraphView):
    """For the current paragraph, every entity it mentions; choosing one shows its card and where it appears."""

    entity_id = Unicode(None, allow_none=True)

    def __init__(self, edition: Edition, paragraph_number: int = 1, **kwargs):
        self.edition = edition
        self._card_cache = RecentCache.per_paragraph(edition)
        self.choice = widgets.Select(  # its label names the paragraph: "Named in ¶3"
            description="Named in",
            style=shared_style(DescriptionStyle, description_width="initial"),
            tooltip="Choose an entity mentioned in this paragraph",
            rows=8,
            layout=shared_layout(width="auto", min_width="320px"),
        )
        self.choice.observe(self._on_choice, names="value")
        self.card_view = html()
        self.go_buttons = GoButtons(lambda number: self._go_to_paragraph(number))
        # "Also in": a button to each other edition of the course that names the card, made only when something can
        # open one (on_open_elsewhere) and the edition's cards have such places: otherwise no widget at all.
        self.elsewhere_buttons: widgets.HBox | None = None
        self._elsewhere_made: dict[tuple[str, int, str | None], widgets.Button] = {}
        self._open_elsewhere_callbacks: list = []
        super().__init__(paragraph_number=paragraph_number, **kwargs)
        self.add_class("reader-entity-cards")
        self.card_box = widgets.VBox([self.card_view, self.go_buttons], layout=shared_layout())
        self.children = [
            widgets.HBox(
                [self.choice, self.card_box],
                layout=shared_layout(flex_flow="row wrap"),
            ),
        ]
        self._show_paragraph()

    @observe("paragraph_number")
    def _on_paragraph_change(self, change) -> None:
        self._show_paragraph()

    def _show_paragraph(self) -> None:
        paragraph = self.edition.paragraph(self.paragraph_number)
        options = [
            (f"{self.edition.entity(entity_id).name} ({self.edition.entity(entity_id).kind})", entity_id)
            for entity_id in paragraph.entity_ids
        ]
        keep = self.entity_id if self.entity_id in paragraph.entity_ids else None
        with self.choice.hold_sync():  # label, options and selection reach the page in one message
            self._updating = True
            self.choice.description = f"Named in {paragraph.label}"
            self.choice.options = options
            self.choice.value = keep or (paragraph.entity_ids[0] if paragraph.entity_ids else None)
            self._updating = False
        if self.entity_id != self.choice.value:
            self.entity_id = self.choice.value  # shows the card
        else:
            self._show_card()

    def _on_choice(self, change) -> None:
        if not getattr(self, "_updating", False):
            self.entity_id = change["new"]

    @observe("entity_id")
    def _on_entity_change(self, change) -> None:
        if change["new"] is not None and change["new"] != self.choice.value:
            if change["new"] not in dict(self.choice.options).values():
                entity = self.edition.entity(change["new"])
                self.choice.options = [
                    *self.choice.options,
                    (f"{entity.name} ({entity.kind})", entity.entity_id),
                ]
            self.choice.value = change["new"]
        self._show_card()

    def on_open_elsewhere(self, callback) -> None:
        """``callback(edition_name, paragraph_number, entity_id)`` when a student opens a card's place in another
        edition (the card's entity is the one to show there)."""
        self._open_elsewhere_callbacks.append(callback)
        if self.elsewhere_buttons is None and any(entity.elsewhere for entity in self.edition.all_entities()):
            self.elsewhere_buttons = widgets.HBox(layout=shared_layout(flex_flow="row wrap"))
            self.card_box.children = [*self.card_box.children, self.elsewhere_buttons]
        self._show_card()

    def _elsewhere_button(self, place: Appearance) -> widgets.Button:
        """The button to ``place`` for the card shown, made once per place and card, then reused."""
        key = (place.edition_name, place.paragraphs[0], self.entity_id)
        if key not in self._elsewhere_made:
            button = widgets.Button(
                description=f"Open {render.place_text(place.title, place.paragraphs[:1])}",
                tooltip=f"Open {place.title} at ¶{place.paragraphs[0]}",
                layout=widgets.Layout(width="auto"),
            )
            button.on_click(lambda _button, key=key: self._open_elsewhere(*key))
            self._elsewhere_made[key] = button
        return self._elsewhere_made[key]

    def _open_elsewhere(self, edition_name: str, paragraph_number: int, entity_id: str) -> None:
        for callback in self._open_elsewhere_callbacks:
            callback(edition_name, paragraph_number, entity_id)

    def _show_card(self) -> None:
        if self.entity_id is None:
            self.card_view.value = render.empty_html("This paragraph names no entity.")
            self.go_buttons.show(())
            if self.elsewhere_buttons is not None:
                self.elsewhere_buttons.children = []
            return
        entity = self.edition.entity(self.entity_id)
        self.card_view.value = self._card_cache.get_or_make(
            self.entity_id, lambda: render.entity_card_html(entity, self.edition)
        )
        self.go_buttons.show(entity.paragraphs, around=self.paragraph_number)
        if self.elsewhere_buttons is not None:
            places = entity.elsewhere if self._open_elsewhere_callbacks else ()
            self.elsewhere_buttons.children = [self._elsewhere_button(place) for place in places if place.paragraphs]

    def entity_shown_on(self, paragraph_number: int) -> str | None:
        """The entity whose card this view shows on ``paragraph_number`` (now, or once it moves there)."""
        entity_ids = self.edition.paragraph(paragraph_number).entity_ids
        if paragraph_number == self.paragraph_number or self.entity_id in entity_ids:
            return self.entity_id
        return entity_ids[0] if entity_ids else None

    def text(self) -> str:
        return card_text(self.edition, self.entity_id)


def card_text(edition: Edition, entity_id: str | None) -> str:
    return "No entity in this paragraph." if entity_id is None else render.entity_text(edition.entity(entity_id))
