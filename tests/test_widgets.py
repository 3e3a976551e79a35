"""The widgets, driven through their own controls, without a browser."""

import ast
import re
from pathlib import Path

import ipywidgets as widgets
import pytest
from traitlets import TraitError

import reader
from reader.escaping import escape
from reader.widgets import Chronology, EntityCards, ExcerptView, ParagraphReader, ReaderApp
from reader.widgets.search_view import KIND_LABELS


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
    return re.search(r'<p class="reader-text[ "][^>]*>.*?</p>', paragraph_reader.text_view.value, re.S).group(0)


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


def test_every_layer_starts_off_and_the_text_reads_as_plain_text(paragraph_reader, edition):
    for paragraph in edition.all_paragraphs():
        paragraph_reader.paragraph_number = paragraph.number
        assert re.sub(r"<[^>]+>", "", shown_text(paragraph_reader)) == escape(paragraph.text)
    assert not any(toggle.value for toggle in paragraph_reader.layer_toggles.values())


def test_every_mention_is_marked(paragraph_reader, edition):
    paragraph_reader.names_toggle.value = True
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
    paragraph_reader.names_toggle.value = paragraph_reader.notes_toggle.value = True
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
    paragraph_reader.readings_toggle.value = True
    assert paragraph_reader.with_readings
    shown = paragraph_reader.text_view.value
    for note in (note for note in edition.paragraph(2).notes if note.kind == "sic"):
        assert f'<ins class="reader-reading">{escape(note.reading)}</ins>' in shown
        assert f"(as written: {escape(note.anchor)})" in shown, "the words as written stay, for a screen reader"
        assert f"“<bdi>{escape(note.anchor)}</bdi>” → <ins><bdi>{escape(note.reading)}</bdi></ins>" in (
            paragraph_reader.notes_view.value
        ), "and in the side panel's notes"
    assert shown.count('data-marker="note-') == sum(note.kind == "sic" for note in edition.paragraph(2).notes)
    paragraph_reader.readings_toggle.value = False
    assert '<ins class="reader-reading">' not in paragraph_reader.text_view.value


def test_notes_and_claims_of_the_paragraph(paragraph_reader, edition):
    paragraph_reader.paragraph_number = 5
    paragraph = edition.paragraph(5)
    assert paragraph_reader.notes_view.value.count('<li class="reader-note') == len(paragraph.notes)
    claims = paragraph_reader.claims_panel
    assert len(claims.choice.options) == len(paragraph.claims)
    claims.choice.value = len(paragraph.claims)
    last = paragraph.claims[-1]
    assert escape(last.record) in claims.view.value
    assert escape(last.verdict) in claims.view.value
    assert 'class="reader-claim ' not in paragraph_reader.text_view.value, "the claims layer starts hidden"
    paragraph_reader.claims_toggle.value = True
    assert paragraph_reader.text_view.value.count('data-marker="claim-') == len(paragraph.claims)
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


# --- one owner of the current paragraph ----------------------------------------------------------------------

NOT_A_PARAGRAPH = [12, 0, -1, -12, True, False, 10**30, 2**63, 2**5000, "3", 2.0, None]


def paragraph_numbers(app) -> dict[str, int]:
    """Where every view of the app is."""
    numbers = {"app": app.paragraph_number, "reader": app.paragraph_reader.paragraph_number}
    numbers["claims"] = app.paragraph_reader.claims_panel.paragraph_number
    if app.notes_panel is not None:
        numbers["notes"] = app.notes_panel.paragraph_number
    for title in app.built_views():
        view = app.view(title)
        if "paragraph_number" in view.trait_names():
            numbers[title] = view.paragraph_number
    return numbers


@pytest.mark.parametrize("number", NOT_A_PARAGRAPH, ids=repr)
def test_go_to_a_paragraph_the_edition_does_not_have_is_one_clear_value_error(edition, number):
    app = reader.open(paragraph_number=3)
    app.open_tab("Questions")
    before = paragraph_numbers(app)
    with pytest.raises(ValueError, match=r"this edition has paragraphs 1–11$") as raised:
        app.go_to(number)
    assert raised.value.__context__ is None and raised.value.__cause__ is None, (
        "one error, not one error inside another"
    )
    if isinstance(number, int) and not isinstance(number, bool) and number.bit_length() < 64:
        assert str(raised.value) == f"paragraph {number} does not exist: this edition has paragraphs 1–11"
    assert paragraph_numbers(app) == before, "nothing moved"
    with pytest.raises(ValueError, match="this edition has paragraphs 1–11"):
        app.paragraph_number = number
    with pytest.raises(ValueError, match="this edition has paragraphs 1–11"):
        app.paragraph_reader.paragraph_number = number
    assert paragraph_numbers(app) == before


@pytest.mark.parametrize("number", [12, 0, True, 10**30])
def test_open_and_views_refuse_a_paragraph_the_edition_does_not_have(edition, number):
    with pytest.raises(ValueError, match="this edition has paragraphs 1–11"):
        reader.open(paragraph_number=number)
    for view in (ParagraphReader, EntityCards, Chronology):
        with pytest.raises(ValueError, match="this edition has paragraphs 1–11"):
            view(edition, number)
    standalone = ParagraphReader(edition, 11)
    with pytest.raises(ValueError, match="paragraph 12 does not exist"):
        standalone.paragraph_number = 12
    assert standalone.paragraph_number == 11 and "¶11 of 11" in standalone.text_view.value


def test_any_integer_type_is_a_paragraph_number(edition):
    numpy = pytest.importorskip("numpy")
    app = reader.open()
    app.go_to(numpy.int64(4))
    assert app.paragraph_number == 4 and type(app.paragraph_number) is int


def test_every_way_of_moving_moves_every_view(edition):
    """Buttons, the jump list and every view's "Go to" buttons move the app, and with it the reader, its claims,
    the notes and the tab on screen; a hidden tab catches up when it is opened."""
    app = reader.open(class_mode=True)

    def on_screen() -> set[int]:
        numbers = paragraph_numbers(app)
        visible = app.view(app.tabs_titles[app.tabs.selected_index])
        keep = {"app", "reader", "claims", "notes"}
        return {number for name, number in numbers.items() if name in keep} | (
            {visible.paragraph_number} if "paragraph_number" in visible.trait_names() else set()
        )

    app.tabs_titles = [app.tabs.get_title(index) for index in range(len(app.tabs.children))]
    app.open_tab("Questions")
    app.paragraph_reader.next_button.click()
    assert on_screen() == {2}
    app.paragraph_reader.last_button.click()
    assert on_screen() == {11} and app.paragraph_reader.next_button.disabled
    app.paragraph_reader.jump.index = 4  # what the page sends when the student picks from the list
    assert on_screen() == {5} and app.paragraph_reader.jump.value == 5
    app.paragraph_reader.jump.value = 7
    assert on_screen() == {7}
    app.open_tab("Cards")
    app.entity_cards.choice.value = next(
        entity_id for entity_id in edition.paragraph(7).entity_ids if edition.entity(entity_id).paragraphs != [7]
    )
    card_target = next(number for number in app.entity_cards.go_buttons.numbers if number != 7)
    app.entity_cards.go_buttons.children[app.entity_cards.go_buttons.numbers.index(card_target)].click()
    assert on_screen() == {card_target} and app.questions.paragraph_number == 7, "a hidden tab waits"
    app.open_tab("Questions")
    assert on_screen() == {card_target}, "and catches up when opened"
    event = next(event for event in edition.all_events() if event.paragraphs and card_target not in event.paragraphs)
    app.open_event(event.event_id)
    app.chronology.go_buttons.children[0].click()
    assert on_screen() == {event.paragraphs[0]}
    app.open_tab("Quoted document")
    app.excerpt_view.children[-1].click()
    assert on_screen() == {edition.excerpt_document.paragraph} and app.excerpt_button.layout.display is None
    app.open_tab("Search")
    app.search.box.value = "Zhukov"
    paragraph_hit = next(index for index, hit in enumerate(app.search.hits) if hit.kind == "paragraph")
    app.search.results.children[paragraph_hit].click()
    assert on_screen() == {app.search.hits[paragraph_hit].paragraph}
    app.paragraph_reader.first_button.click()
    assert on_screen() == {1} and app.paragraph_reader.first_button.disabled


# --- messages and widget models, counted through a fake comm (as ipywidgets' own tests do) -------------------


class CommRecorder:
    """Replaces the comm every new widget model gets, as ``DummyComm`` in ipywidgets' tests (``widgets/tests/
    utils.py``) does, but with a fresh id per model (DummyComm gives all the same id, so models could not be
    counted) and a log of every message: ``comm_open`` per model made, ``comm_msg`` per state update."""

    def __init__(self):
        from comm.base_comm import BaseComm

        recorder = self
        self.log: list[tuple[str, str, dict]] = []
        self.live: set[str] = set()

        class RecordingComm(BaseComm):
            def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
                recorder.log.append((msg_type, self.comm_id, data or {}))
                if msg_type == "comm_open":
                    recorder.live.add(self.comm_id)
                elif msg_type == "comm_close":
                    recorder.live.discard(self.comm_id)

        self.comm_class = RecordingComm

    def create_comm(self, *args, **kwargs):
        return self.comm_class(*args, **kwargs)

    def updates(self) -> list[tuple[str, dict]]:
        """The state updates sent since the log was last cleared: (model id, state)."""
        return [(comm_id, data.get("state", {})) for kind, comm_id, data in self.log if kind == "comm_msg"]


@pytest.fixture
def comms(monkeypatch):
    import comm

    recorder = CommRecorder()
    widgets.Widget.close_all()  # every model of the test, shared ones included, is made through the recorder
    monkeypatch.setattr(comm, "create_comm", recorder.create_comm)
    yield recorder
    widgets.Widget.close_all()


def claimed_count(pattern: str) -> int:
    """A figure that docs/performance.md claims, so that the doc and the test cannot drift apart."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "performance.md").read_text(encoding="utf-8")
    return int(re.search(pattern, text).group(1))


def test_the_class_app_opens_with_the_models_the_docs_claim(comms):
    reader.open(class_mode=True)
    assert len(comms.live) == claimed_count(r"the class app opens with (\d+) widget models")


def test_a_paragraph_change_sends_the_messages_the_docs_claim(comms, edition):
    app = reader.open()
    for number in [*range(1, 12), *range(11, 0, -1)]:  # every "Go to" button made once, as in a class's kernel
        app.paragraph_number = number
    app.paragraph_number = 4
    app.entity_cards.choice.value = next(  # a card ¶5 does not name: the card changes with the paragraph
        entity_id for entity_id in edition.paragraph(4).entity_ids if entity_id not in edition.paragraph(5).entity_ids
    )
    comms.log.clear()
    app.paragraph_number = 5  # and no button at an end of the essay, nor the excerpt button, changes
    changed = comms.updates()
    assert len(changed) == claimed_count(r"A paragraph change sends (\d+) widget messages") == 9
    assert len({comm_id for comm_id, _ in changed}) == len(changed), "one message per model"
    assert changed[0] == (app.paragraph_reader.text_view.model_id, {"value": app.paragraph_reader.text_view.value})
    assert not [kind for kind, _, _ in comms.log if kind != "comm_msg"], "no model made or closed"
    comms.log.clear()
    app.paragraph_number = 8  # ¶7 and ¶8 open on the same card
    app.paragraph_number = 7
    comms.log.clear()
    app.paragraph_number = 8
    assert len(comms.updates()) in (6, 7), "the docs: 6 or 7 when the card stays"


def use_search(app, edition):
    for query in ["Zhukov", "Khrushchev", "1957", "ministries", "sovnarkhozy", "Molotov", "", "Хрущёв", "qwerty"] * 3:
        app.search.box.value = query
    app.search.box.value = "Zhukov"
    app.search.results.children[0].click()


def use_paging(app, edition):
    for _ in range(2):
        app.paragraph_reader.first_button.click()
        for _ in range(edition.paragraph_count):
            app.paragraph_reader.next_button.click()
        app.paragraph_reader.last_button.click()
        for _ in range(edition.paragraph_count):
            app.paragraph_reader.previous_button.click()
        for index in range(edition.paragraph_count):
            app.paragraph_reader.jump.index = index


def use_cards(app, edition):
    app.open_tab("Cards")
    for paragraph in edition.all_paragraphs():
        app.go_to(paragraph.number)
        for _, entity_id in app.entity_cards.choice.options:
            app.entity_cards.choice.value = entity_id
    for entity in edition.all_entities():
        app.open_card(entity.entity_id)
    app.entity_cards.go_buttons.children[0].click()


def use_chronology(app, edition):
    app.open_tab("Chronology")
    chronology = app.chronology
    for theme in chronology.all_themes:
        chronology.theme_filter.value = (theme,)
    chronology.theme_filter.value = chronology.all_themes
    chronology.from_year.value, chronology.to_year.value = 1957, 1957
    chronology.years = chronology.year_range
    chronology.only_paragraph.value = True
    chronology.only_paragraph.value = False
    for event in edition.all_events():
        app.open_event(event.event_id)
    chronology.go_buttons.children[0].click()


def use_questions(app, edition):
    app.open_tab("Questions")
    for paragraph in edition.all_paragraphs():
        app.go_to(paragraph.number)
        app.questions.teacher_toggle.value = not app.questions.teacher_toggle.value


def use_claims(app, edition):
    claims = app.paragraph_reader.claims_panel
    app.paragraph_reader.claims_toggle.value = True
    for paragraph in edition.all_paragraphs():
        app.go_to(paragraph.number)
        for number in range(1, len(paragraph.claims) + 1):
            claims.choice.value = number
            claims.judgement.value = "doubtful"
            claims.reason.value = "why not"
            claims.record()
    app.paragraph_reader.claims_toggle.value = False


def use_notes(app, edition):
    for paragraph in edition.all_paragraphs():
        app.go_to(paragraph.number)
        app.notes_panel.field.value = app.notes_panel.field.value + " and more"
    app.notes_panel.export()


@pytest.mark.parametrize(
    "use", [use_search, use_paging, use_cards, use_chronology, use_questions, use_claims, use_notes]
)
def test_using_a_view_again_and_again_leaves_no_widget_models_behind(comms, edition, use):
    app = reader.open(class_mode=True)
    use(app, edition)
    after_once = len(comms.live)
    for _ in range(4):
        use(app, edition)
    assert len(comms.live) == after_once


def test_twenty_searches_make_no_new_models_once_the_hits_are_shown(comms, edition):
    app = reader.open()
    app.search.box.value = "Khrushchev"  # the most hits of the queries below
    models = len(comms.live)
    for query in ["Zhukov", "Khrushchev"] * 10:
        app.search.box.value = query
    assert len(comms.live) == models
    hits = app.search.hits
    assert [button.description for button in app.search.results.children] == [
        f"{KIND_LABELS[hit.kind]}: {hit.label} — {hit.snippet}"[:110] for hit in hits
    ]


# --- a repr only reads ---------------------------------------------------------------------------------------


def view_traits(app) -> dict:
    views = {"app": app, "reader": app.paragraph_reader, **{title: app.view(title) for title in app.built_views()}}
    return {
        (name, trait): getattr(view, trait)
        for name, view in views.items()
        for trait in view.trait_names()
        if not trait.startswith("_") and trait not in ("children", "comm", "keys", "log")
    }


@pytest.mark.parametrize("tab", ["Cards", "Chronology", "Search"])
def test_repr_of_the_app_sends_nothing_and_changes_nothing(comms, edition, tab):
    app = reader.open(paragraph_number=2)
    app.open_tab(tab)
    app.paragraph_reader.next_button.click()  # the Cards tab, if hidden, stays on ¶2
    views, traits = app.built_views(), view_traits(app)
    comms.log.clear()
    shown = repr(app)
    assert comms.log == []
    assert app.built_views() == views and view_traits(app) == traits
    assert shown.startswith("¶3 of 11")
    paragraph = edition.paragraph(3)
    assert "Mentioned in:" in shown.split("\n\n")[-1] and edition.entity(paragraph.entity_ids[0]).name in shown


def test_repr_shows_the_card_the_cards_tab_shows_with_the_paragraph(edition):
    app = reader.open(paragraph_number=5)
    app.open_card("molotov")
    assert repr(app).split("\n\n")[-1].startswith(edition.entity("molotov").name)
    app.open_tab("Search")
    app.go_to(1)
    shown_card = repr(app).split("\n\n")[-1]
    app.open_tab("Cards")
    assert shown_card == repr(app.entity_cards), "what the repr said is what the tab shows when opened"


# --- HTML is made in the render layer only ------------------------------------------------------------------

WIDGET_MODULES = sorted((Path(reader.__file__).parent / "widgets").glob("*.py"))


@pytest.mark.parametrize("module", WIDGET_MODULES, ids=lambda path: path.name)
def test_widget_modules_make_no_markup_and_escape_nothing(module):
    """Widgets compose what reader.render makes: no HTML tag in their code (docstrings aside), no escaping."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    markup = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"<\s*/?\s*[a-zA-Z!]|&[a-z]+;|&#", node.value)
    ]
    assert markup == []
    imported = [
        alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if "escaping" in name or name.startswith("html")], imported


def test_the_questions_are_rendered_by_one_function(edition):
    from reader import render
    from reader.handout import build_handout
    from reader.panels import questions
    from reader.widgets import QuestionsView

    paragraph = edition.paragraph(5)
    for teacher in (False, True):
        one = render.questions_html(paragraph.questions, teacher=teacher)
        assert one in QuestionsView(edition, 5, teacher=teacher).view.value
        assert one in questions(edition, [5], teacher=teacher).html
        assert one in build_handout(edition, teacher=teacher)


# --- the reading room: markers, keys, focus, projector, settings ---------------------------------------------


def test_a_marker_shows_its_note_highlighted_and_marks_its_words(paragraph_reader, edition):
    paragraph_reader.paragraph_number = 2
    paragraph_reader.notes_toggle.value = True
    note_number = next(number for number, note in enumerate(edition.paragraph(2).notes, start=1) if note.kind != "sic")
    marker = f"note-{note_number}"
    assert f'data-marker="{marker}"' in paragraph_reader.text_view.value
    paragraph_reader.bridge._receive(paragraph_reader.bridge, {"marker": marker}, [])  # as the page sends it
    assert paragraph_reader.chosen_marker == marker
    assert '<span class="reader-noted reader-chosen">' in paragraph_reader.text_view.value, "its words marked"
    assert 'aria-pressed="true"' in paragraph_reader.text_view.value
    assert paragraph_reader.notes_view.value.count("reader-chosen") == 1
    assert paragraph_reader.bridge.focused[-1] == "chosen", "focus moves to the note in the side panel"
    paragraph_reader.choose_marker(marker)  # again: the choice is cleared
    assert paragraph_reader.chosen_marker == "" and "reader-chosen" not in paragraph_reader.notes_view.value
    paragraph_reader.choose_marker("note-999")  # a marker the paragraph does not have is ignored
    paragraph_reader.choose_marker('"><img src=x onerror=alert(1)>')
    assert paragraph_reader.chosen_marker == ""
    with pytest.raises(TraitError):
        paragraph_reader.chosen_marker = "claim-999"


def test_a_claim_marker_opens_that_claim(paragraph_reader, edition):
    paragraph_reader.paragraph_number = 5
    paragraph_reader.claims_toggle.value = True
    last = len(edition.paragraph(5).claims)
    paragraph_reader.choose_marker(f"claim-{last}")
    assert paragraph_reader.claims_panel.choice.value == last
    assert escape(edition.paragraph(5).claims[-1].record) in paragraph_reader.claims_panel.view.value
    assert paragraph_reader.bridge.focused[-1] == "claim"
    paragraph_reader.next_button.click()
    assert paragraph_reader.chosen_marker == "", "a new paragraph starts with nothing chosen"


def test_with_every_layer_on_no_marker_breaks_and_no_word_has_two_underlines(paragraph_reader, edition):
    for toggle in paragraph_reader.layer_toggles.values():
        toggle.value = True
    css = (Path(reader.__file__).parent / "reader.css").read_text(encoding="utf-8")
    assert re.search(r"\.reader-marker-wrap \{[^}]*white-space: nowrap", css)
    assert re.search(r"\.reader-claim \.reader-claim \{ text-decoration: none; \}", css)
    underlined = re.findall(r"^\.reader-(?!app a )[\w-]+[^{]*\{[^}]*text-decoration(?:-line)?: underline", css, re.M)
    assert underlined == [".reader-claim { text-decoration: underline"], "claims are the one underlined layer"
    for paragraph in edition.all_paragraphs():
        paragraph_reader.paragraph_number = paragraph.number
        assert shown_text(paragraph_reader).count("<button") == len(paragraph.notes) + len(paragraph.claims)


def test_keys_turn_the_page_and_a_disabled_button_hands_focus_on(paragraph_reader, edition, monkeypatch):
    bridge = paragraph_reader.bridge
    for page, expected in (("next", 2), ("next", 3), ("previous", 2), ("last", 11), ("next", 11), ("first", 1)):
        bridge._receive(bridge, {"page": page}, [])
        assert paragraph_reader.paragraph_number == expected
    bridge._receive(bridge, {"page": "__proto__"}, [])
    bridge._receive(bridge, ["next"], [])
    assert paragraph_reader.paragraph_number == 1, "anything else is ignored"
    focused = []
    for name in ("first_button", "previous_button", "next_button", "last_button"):
        button = getattr(paragraph_reader, name)
        monkeypatch.setattr(button, "focus", lambda name=name: focused.append(name))
    paragraph_reader.last_button.click()
    assert paragraph_reader.last_button.disabled and focused == ["previous_button"]
    paragraph_reader.first_button.click()
    assert focused == ["previous_button", "next_button"]
    paragraph_reader.next_button.click()
    assert focused == ["previous_button", "next_button"], "an enabled button keeps the focus"


def test_go_to_and_open_bring_the_result_into_view(edition):
    app = reader.open()
    app.entity_cards.go_buttons.children[-1].click()
    assert app.bridge.focused[-1] == "text"
    app.paragraph_number = 2
    app.excerpt_button.click()
    assert app.bridge.focused[-1] == "excerpt"
    app.open_card("zhukov")
    assert app.bridge.focused[-1] == "card"
    with pytest.raises(ValueError, match="not a region"):
        app.bridge.focus_region("body")


def test_projector_mode_shows_the_paragraph_alone_and_the_apparatus_on_demand(edition):
    app = reader.open()
    assert app.apparatus_toggle.layout.display == "none"
    app.projector_toggle.value = True
    assert "reader-projector" in app._dom_classes and app.bridge.focused[-1] == "text"
    assert app.apparatus_toggle.layout.display is None
    app.apparatus_toggle.value = True
    assert "reader-with-apparatus" in app._dom_classes
    app.projector_toggle.value = False
    assert "reader-projector" not in app._dom_classes and "reader-with-apparatus" not in app._dom_classes


def test_reader_settings_apply_and_are_kept(notes_in_a_temporary_folder, edition):
    app = reader.open()
    assert {"reader-size-standard", "reader-spacing-standard", "reader-theme-default"} <= set(app._dom_classes)
    app.settings.menus["theme"].value = "dark"
    app.settings.menus["text_size"].value = "larger"
    assert "reader-theme-dark" in app._dom_classes and "reader-theme-default" not in app._dom_classes
    with pytest.raises(TraitError):
        app.settings.theme = "neon"
    again = reader.open()
    assert again.settings.theme == "dark" and again.settings.text_size == "larger"
    assert "reader-theme-dark" in again._dom_classes and "reader-size-larger" in again._dom_classes


def test_the_jump_menu_cuts_at_a_word(paragraph_reader, edition):
    for (label, _number), paragraph in zip(paragraph_reader.jump.options, edition.all_paragraphs(), strict=True):
        shown = label.split(" — ", 1)[1].removesuffix(" …")
        assert paragraph.text.split()[: len(shown.split())] == shown.split(), label
    names = paragraph_reader.bridge.jump_names
    assert names == [f"¶{paragraph.number}: {paragraph.text}" for paragraph in edition.all_paragraphs()], (
        "each option's accessible name is the whole paragraph"
    )


def test_the_app_carries_a_still_picture_for_a_notebook_without_its_kernel(edition):
    app = reader.open(paragraph_number=3)
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle, "the live widget first"
    still = bundle["text/html"]
    assert still.startswith("<style>") and 'class="reader-still tex2jax_ignore mathjax_ignore"' in still
    assert escape(edition.paragraph(3).text) in still and "¶3 of 11" in still
    assert "<script" not in still and "onerror" not in still
    assert still.count('<li class="reader-note') == len(edition.paragraph(3).notes)


def test_chronology_shows_an_event_outside_the_years_the_edition_sets(edition_copy):
    """``years`` in edition.yaml sets the span shown first; an event outside it can still be chosen and seen."""
    path = edition_copy / "edition.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "years:\n  from: 1957\n  to: 1958\n", encoding="utf-8")
    edition = reader.load(edition_copy)
    chronology = Chronology(edition)
    assert chronology.years == (1957, 1958)
    outside = next(event for event in edition.all_events() if event.start[:4] > "1960")
    assert outside not in chronology.visible_events
    chronology.show_event(outside.event_id)
    assert outside in chronology.visible_events and chronology.event_id == outside.event_id
    assert chronology.years == (1957, int(outside.start[:4]))
