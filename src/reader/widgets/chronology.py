"""The reform chronology: a timeline picture and a table, filtered by theme and years, linked to paragraphs."""

import ipywidgets as widgets
from traitlets import Int, Tuple, Unicode, observe

from reader import render
from reader.model import Edition
from reader.widgets.base import GoButtons, ParagraphView, RecentCache


class Chronology(ParagraphView):
    """Events as a timeline and a table; the current paragraph's events highlighted; each leads to its paragraphs."""

    themes = Tuple()
    years = Tuple(Int(), Int())
    event_id = Unicode(None, allow_none=True)

    def __init__(self, edition: Edition, paragraph_number: int = 1, **kwargs):
        self.edition = edition
        self._picture_cache = RecentCache(size=16)
        used = {event.theme for event in edition.all_events()}
        shapes = {theme.label: theme.shape for theme in edition.themes if theme.label in used}
        self.all_themes = tuple(shapes)
        first_year, last_year = edition.year_span or (0, 0)  # (0, 0): an edition without events or years
        # The years to choose from: the span shown at first (edition.yaml's, else the events'), and every event's.
        event_years = [int(event.start[:4]) for event in edition.all_events()]
        year_options = list(range(min([first_year, *event_years]), max([last_year, *event_years]) + 1))
        self.theme_filter = widgets.SelectMultiple(
            options=[(f"{theme} ({shape})", theme) for theme, shape in shapes.items()],
            value=self.all_themes,
            description="Themes",
            rows=len(self.all_themes),
            tooltip="Choose the themes to show (Ctrl or Shift for several)",
        )
        # Two native selects rather than a range slider: each has a label a screen reader announces.
        self.year_range = (first_year, last_year)
        self.from_year = widgets.Dropdown(
            options=year_options,
            value=first_year,
            description="From",
            tooltip="Show events from this year",
            layout=widgets.Layout(width="160px"),
        )
        self.to_year = widgets.Dropdown(
            options=year_options,
            value=last_year,
            description="to",
            tooltip="Show events up to this year",
            layout=widgets.Layout(width="160px"),
        )
        self.only_paragraph = widgets.Checkbox(
            value=False,
            indent=False,
            description="Only this paragraph's events",
            tooltip="Show only the events the current paragraph bears on",
        )
        self.timeline = widgets.HTML()
        self.table = widgets.HTML()
        self.event_choice = widgets.Dropdown(
            description="Event",
            tooltip="Choose an event to see it in detail",
            layout=widgets.Layout(width="auto", max_width="560px"),
        )
        self.event_view = widgets.HTML()
        self.go_buttons = GoButtons(lambda number: self._go_to_paragraph(number))
        super().__init__(themes=self.all_themes, years=self.year_range, paragraph_number=paragraph_number, **kwargs)
        self.add_class("reader-chronology")
        self.children = [
            widgets.HBox(
                [
                    self.theme_filter,
                    widgets.VBox([widgets.HBox([self.from_year, self.to_year]), self.only_paragraph]),
                ],
                layout=widgets.Layout(flex_flow="row wrap"),
            ),
            self.timeline,
            self.table,
            self.event_choice,
            self.event_view,
            self.go_buttons,
        ]
        self.theme_filter.observe(lambda change: setattr(self, "themes", tuple(change["new"])), names="value")
        self.from_year.observe(
            lambda change: setattr(self, "years", (change["new"], max(change["new"], self.years[1]))),
            names="value",
        )
        self.to_year.observe(
            lambda change: setattr(self, "years", (min(change["new"], self.years[0]), change["new"])),
            names="value",
        )
        self.only_paragraph.observe(lambda change: self._render(), names="value")
        self.event_choice.observe(lambda change: setattr(self, "event_id", change["new"]), names="value")
        self._render()

    @property
    def visible_events(self) -> tuple:
        first, last = self.years
        current = set(self.edition.paragraph(self.paragraph_number).event_ids)
        return tuple(
            event
            for event in self.edition.all_events()
            if event.theme in self.themes
            and first <= int(event.start[:4]) <= last
            and (not self.only_paragraph.value or event.event_id in current)
        )

    @observe("paragraph_number", "themes", "years")
    def _on_filter_change(self, change) -> None:
        if change["name"] == "themes" and tuple(self.theme_filter.value) != change["new"]:
            self.theme_filter.value = change["new"]
        if change["name"] == "years":
            self.from_year.value, self.to_year.value = change["new"]
        self._render()

    def _render(self) -> None:
        events = self.visible_events
        highlighted = frozenset(self.edition.paragraph(self.paragraph_number).event_ids)
        key = (tuple(event.event_id for event in events), highlighted, self.years)
        self.timeline.value, self.table.value = self._picture_cache.get_or_make(
            key,
            lambda: (
                render.timeline_svg(events, highlighted, self.years[0], self.years[1], self.edition.themes)
                if self.edition.all_events()
                else render.no_events_html(),
                render.events_table_html(events, highlighted, self.edition.text_kind)
                if self.edition.all_events()
                else "",
            ),
        )
        options = [(f"{event.date_label} · {event.title}", event.event_id) for event in events]
        keep = self.event_id if self.event_id in {event_id for _, event_id in options} else None
        self.event_choice.options = options
        preferred = next((event.event_id for event in events if event.event_id in highlighted), None)
        self.event_choice.value = keep or preferred or (options[0][1] if options else None)
        self.event_id = self.event_choice.value
        self._show_event()

    def show_event(self, event_id: str) -> None:
        """Select an event, clearing the filters if they hide it."""
        if event_id not in {event.event_id for event in self.visible_events}:
            self.only_paragraph.value = False
            self.themes = self.all_themes
            self.years = self.year_range
        year = int(self.edition.event(event_id).start[:4])
        if not self.years[0] <= year <= self.years[1]:  # outside the span edition.yaml sets: widened to show it
            self.years = (min(self.years[0], year), max(self.years[1], year))
        self.event_choice.value = event_id

    @observe("event_id")
    def _on_event_change(self, change) -> None:
        self._show_event()

    def _show_event(self) -> None:
        if self.event_id is None:
            self.event_view.value = ""
            self.go_buttons.show(())
            return
        event = self.edition.event(self.event_id)
        self.event_view.value = render.event_detail_html(event, self.edition)
        self.go_buttons.show(event.paragraphs, around=self.paragraph_number)

    def text(self) -> str:
        events = self.visible_events
        return "\n".join(
            [f"Chronology: {len(events)} of {len(self.edition.all_events())} events"]
            + [render.event_text(event, self.edition.text_kind) for event in events]
        )
