"""The widgets, driven through their own controls, without a browser."""

import re

import ipywidgets as widgets
import pytest

import reader
from reader.escaping import escape
from reader.widgets import Chronology, EntityCards, ExcerptView, ParagraphReader, ReaderApp


def html_values(widget) -> list[str]:
    """Every HTML string a widget tree currently shows."""
    values = []
    if isinstance(widget, widgets.HTML):
        values.append(widget.value)
    for child in getattr(widget, "children", ()):
        values += html_values(child)
    return values


def shown_text(paragraph_reader) -> str:
    """The paragraph's own text as the reader shows it (the view also holds its position and its notes)."""
    return re.search(r'<p class="reader-text"[^>]*>.*?</p>', paragraph_reader.text_view.value, re.S).group(0)


@pytest.fixture
def paragraph_reader(edition):
    return ParagraphReader(edition)


def test_reader_starts_on_the_first_paragraph(paragraph_reader, edition):
    assert paragraph_reader.paragraph_number == 1
    assert "¶1 of 11" in paragraph_reader.text_view.value
    assert paragraph_reader.previous_button.disabled and paragraph_reader.first_button.disabled
    assert repr(paragraph_reader).startswith("¶1 of 11\nAfter Stalin died, Khrushchev began")


def test_next_previous_first_last(paragraph_reader):
    paragraph_reader.next_button.click()
    paragraph_reader.next_button.click()
    assert paragraph_reader.paragraph_number == 3
    assert "¶3 of 11" in paragraph_reader.text_view.value
    paragraph_reader.previous_button.click()
    assert paragraph_reader.paragraph_number == 2
    paragraph_reader.last_button.click()
    assert paragraph_reader.paragraph_number == 11
    assert paragraph_reader.next_button.disabled and paragraph_reader.last_button.disabled
    paragraph_reader.next_button.click()
    assert paragraph_reader.paragraph_number == 11
    paragraph_reader.first_button.click()
    assert paragraph_reader.paragraph_number == 1


def test_jump(paragraph_reader, edition):
    paragraph_reader.jump.value = 8
    assert paragraph_reader.paragraph_number == 8
    assert "¶8 of 11" in paragraph_reader.text_view.value
    assert escape("Zhukov") in paragraph_reader.text_view.value


def test_every_mention_is_marked(paragraph_reader, edition):
    for paragraph in edition.all_paragraphs():
        paragraph_reader.paragraph_number = paragraph.number
        shown = shown_text(paragraph_reader)
        assert shown.count('class="reader-kind-mark"') == len(paragraph.mentions)
        assert shown.count('class="reader-sr-only"') == len(paragraph.mentions), "readable without hovering"
        for mention in paragraph.mentions:
            assert f'data-entity="{mention.entity_id}">' in shown


def test_text_as_written_is_the_essay_exactly(paragraph_reader, edition):
    """With markup removed, the 'as written' view is the paragraph, character for character."""
    paragraph_reader.claims_toggle.value = False
    for paragraph in edition.all_paragraphs():
        paragraph_reader.paragraph_number = paragraph.number
        without_markers = re.sub(
            r"<sup[^>]*>.*?</sup>|<span class=\"reader-sr-only\">.*?</span>",
            "",
            shown_text(paragraph_reader),
        )
        plain = re.sub(r"<[^>]+>", "", without_markers)
        assert plain == escape(paragraph.text)


def test_sic_toggle_shows_readings_and_keeps_the_original(paragraph_reader, edition):
    paragraph_reader.paragraph_number = 2
    assert "Sovnarkzhoy" in paragraph_reader.text_view.value
    assert '<ins class="reader-reading">' not in paragraph_reader.text_view.value
    paragraph_reader.text_mode.value = True
    assert paragraph_reader.with_readings
    shown = paragraph_reader.text_view.value
    for note in (note for note in edition.paragraph(2).notes if note.kind == "sic"):
        assert f'<ins class="reader-reading">{escape(note.reading)}</ins>' in shown
        assert f"[as written: {escape(note.anchor)}]" in shown
    paragraph_reader.text_mode.value = False
    assert '<ins class="reader-reading">' not in paragraph_reader.text_view.value


def test_notes_and_claims_of_the_paragraph(paragraph_reader, edition):
    paragraph_reader.paragraph_number = 5
    paragraph = edition.paragraph(5)
    assert paragraph_reader.text_view.value.count('<li class="reader-note') == len(paragraph.notes)
    claims = paragraph_reader.claims_panel
    assert len(claims.choice.options) == len(paragraph.claims)
    claims.choice.value = len(paragraph.claims)
    last = paragraph.claims[-1]
    assert escape(last.record) in claims.view.value
    assert escape(last.verdict) in claims.view.value
    assert 'class="reader-claim ' not in paragraph_reader.text_view.value, "the claims layer starts hidden"
    paragraph_reader.claims_toggle.value = True
    assert paragraph_reader.text_view.value.count('class="reader-claim-mark"') == len(paragraph.claims)
    paragraph_reader.claims_toggle.value = False
    assert 'class="reader-claim ' not in paragraph_reader.text_view.value


def test_entity_cards_follow_the_paragraph_and_lead_elsewhere(edition):
    cards = EntityCards(edition, 5)
    assert [entity_id for _, entity_id in cards.choice.options] == list(edition.paragraph(5).entity_ids)
    cards.choice.value = "molotov"
    molotov = edition.entity("molotov")
    assert escape(molotov.name) in cards.card_view.value
    assert repr(cards).startswith(molotov.name)
    visited = []
    cards.on_go_to_paragraph(visited.append)
    assert [button.description for button in cards.go_buttons.children] == [
        f"Go to ¶{number}" for number in molotov.paragraphs
    ]
    cards.go_buttons.children[0].click()
    assert visited == [molotov.paragraphs[0]]


def test_chronology_filters(edition):
    chronology = Chronology(edition, 11)
    everything = len(edition.all_events())
    assert len(chronology.visible_events) == everything
    chronology.theme_filter.value = ("economic reform",)
    assert chronology.visible_events and all(event.theme == "economic reform" for event in chronology.visible_events)
    assert (
        chronology.table.value.count("<tr>") + chronology.table.value.count('<tr class="reader-current">')
        == len(chronology.visible_events) + 1
    )
    chronology.theme_filter.value = chronology.all_themes
    chronology.from_year.value = 1957
    chronology.to_year.value = 1957
    assert chronology.years == (1957, 1957)
    assert chronology.visible_events and all(event.start.startswith("1957") for event in chronology.visible_events)
    chronology.to_year.value = 1955
    assert chronology.years == (1955, 1955), "the range never turns inside out"
    chronology.years = chronology.year_range
    chronology.only_paragraph.value = True
    assert {event.event_id for event in chronology.visible_events} == set(edition.paragraph(11).event_ids)
    assert repr(chronology).startswith(f"Chronology: {len(edition.paragraph(11).event_ids)} of {everything} events")


def test_chronology_highlights_and_jumps(edition):
    chronology = Chronology(edition, 5)
    current = edition.paragraph(5).event_ids
    assert chronology.table.value.count('class="reader-current"') == len(current)
    assert chronology.timeline.value.count('class="reader-ring"') == len(current)
    assert chronology.event_id in current
    visited = []
    chronology.on_go_to_paragraph(visited.append)
    other = next(event for event in edition.all_events() if event.paragraphs and 5 not in event.paragraphs)
    chronology.event_choice.value = other.event_id
    assert escape(other.title) in chronology.event_view.value
    chronology.go_buttons.children[0].click()
    assert visited == [other.paragraphs[0]]


def test_excerpt_view(edition):
    view = ExcerptView(edition)
    excerpt = edition.excerpt_document
    assert escape(excerpt.quotation) in view.view.value
    for item in excerpt.verification:
        assert escape(item["part"]) in view.view.value
    visited = []
    view.on_go_to_paragraph(visited.append)
    view.children[-1].click()
    assert visited == [excerpt.paragraph]


def test_app_keeps_every_view_on_the_current_paragraph(edition):
    app = reader.open()
    assert isinstance(app, ReaderApp)
    app.paragraph_reader.next_button.click()
    assert app.paragraph_number == 2
    assert app.entity_cards.paragraph_number == 2, "the visible tab follows at once"
    assert app.built_views() == ("Cards",), "a tab's view is built when it is first opened"
    app.open_tab("Chronology")
    assert app.chronology.paragraph_number == 2, "and starts on the current paragraph"
    app.open_tab("Questions")
    app.paragraph_reader.next_button.click()
    assert app.questions.paragraph_number == 3 and app.chronology.paragraph_number == 2, "a hidden tab waits"
    app.open_tab("Chronology")
    assert app.chronology.paragraph_number == 3, "and catches up when opened"
    app.paragraph_reader.previous_button.click()
    app.open_tab("Cards")
    assert app.excerpt_button.layout.display is None, "¶2 quotes the CIA report"
    app.excerpt_button.click()
    assert app.tabs.selected_index == 2
    app.entity_cards.choice.value = app.entity_cards.choice.options[0][1]
    target = edition.entity(app.entity_cards.entity_id).paragraphs[-1]
    app.entity_cards.go_buttons.children[-1].click()
    assert app.paragraph_number == target == app.paragraph_reader.paragraph_number
    assert app.excerpt_button.layout.display == ("none" if target != 2 else None)
    assert repr(app).startswith(f"¶{target} of 11")


def test_controls_have_accessible_names(edition):
    app = reader.open()

    def controls(widget):
        found = (
            [widget]
            if isinstance(
                widget,
                (
                    widgets.Button,
                    widgets.Dropdown,
                    widgets.Select,
                    widgets.SelectMultiple,
                    widgets.Checkbox,
                    widgets.RadioButtons,
                    widgets.Textarea,
                    widgets.Text,
                ),
            )
            else []
        )
        for child in getattr(widget, "children", ()):
            found += controls(child)
        return found

    found = controls(app)
    assert len(found) >= 12
    for control in found:
        assert control.description.strip(), f"{type(control).__name__} without a label"


def test_rendered_html_is_kept_for_recent_keys_only():
    from reader.widgets.base import RecentCache

    cache = RecentCache(size=3)
    made = []
    for key in [1, 2, 3, 1, 4, 5]:
        cache.get_or_make(key, lambda key=key: made.append(key) or f"html {key}")
    assert made == [1, 2, 3, 4, 5], "a recent key is not made again"
    assert list(cache) == [1, 4, 5]


def test_go_buttons_of_a_card_naming_many_paragraphs_are_the_nearest():
    from reader.widgets.base import MAX_BUTTONS, GoButtons

    buttons = GoButtons(lambda number: None)
    buttons.show(range(1, 1001, 10), around=500)
    shown = [button.description for button in buttons.children]
    assert len(shown) == MAX_BUTTONS and "Go to ¶491" in shown and "Go to ¶501" in shown
    buttons.show(range(1, 1001, 10), around=1)
    assert buttons.children[0].description == "Go to ¶1"
    buttons.show((3, 7))
    assert [button.description for button in buttons.children] == ["Go to ¶3", "Go to ¶7"]


def test_shared_layouts_are_never_changed_through_one_widget(edition):
    """Widgets with default looks share layout and style models (fewer models for every page to load); a widget that
    shows or hides itself has a layout of its own, so hiding it never hides the others."""

    def dom_widgets(widget):
        found = [widget]
        for child in getattr(widget, "children", ()):
            found += dom_widgets(child)
        return found

    app = reader.open(class_mode=True)
    for number in (1, 2, 3):
        app.paragraph_number = number
        by_layout: dict[int, list] = {}
        for widget in dom_widgets(app):
            by_layout.setdefault(id(widget.layout), []).append(widget)
        shared = [group for group in by_layout.values() if len(group) > 1]
        assert shared, "some layouts are shared"
        for group in shared:
            layout = group[0].layout
            assert layout.display is None and layout.visibility is None, [type(widget).__name__ for widget in group]
    assert app.excerpt_button.layout not in [widget.layout for widget in dom_widgets(app.paragraph_reader)]


def test_a_shared_layout_that_was_closed_is_made_again():
    from reader.widgets.base import shared_layout

    first = shared_layout(width="auto")
    assert shared_layout(width="auto") is first
    widgets.Widget.close_all()
    again = shared_layout(width="auto")
    assert again is not first and again.comm is not None
