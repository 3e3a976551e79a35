"""Classroom features through the widgets' own controls: judge first, notes, questions, search."""

import pytest

import reader
from reader.escaping import escape
from reader.search import SearchIndex, fold
from reader.student_notes import StudentNotes
from reader.widgets import QuestionsView


def test_judge_first_hides_the_verdict_until_the_student_has_judged(notes_in_a_temporary_folder, edition):
    app = reader.open(class_mode=True, paragraph_number=5)
    claims = app.paragraph_reader.claims_panel
    claim = edition.paragraph(5).claims[0]
    assert claims.judge_first and claims.judge_box.layout.display is None
    assert escape(claim.record) not in claims.view.value and "verdict hidden" in claims.view.value
    app.paragraph_reader.claims_toggle.value = True
    assert "[claim 1: judge it first]" in app.paragraph_reader.text_view.value
    assert claims.record_button.disabled
    claims.judgement.value = "doubtful"
    claims.reason.value = "Shepilov was not a full member?"
    claims.record_button.click()
    assert escape(claim.record) in claims.view.value and escape(claim.verdict) in claims.view.value
    assert "Your judgement:</span> doubtful" in claims.view.value
    assert f"[claim 1: {escape(claim.verdict)}]" in app.paragraph_reader.text_view.value
    saved = StudentNotes(edition.name).judgement(claim.claim_id)
    assert saved["judgement"] == "doubtful" and saved["reason"] == "Shepilov was not a full member?"
    again = reader.open(class_mode=True, paragraph_number=5)  # after a restart the verdict stays open
    assert escape(claim.record) in again.paragraph_reader.claims_panel.view.value


def test_judge_first_is_off_outside_class_mode(edition):
    app = reader.open(paragraph_number=5)
    assert escape(edition.paragraph(5).claims[0].record) in app.paragraph_reader.claims_panel.view.value


def test_notes_are_saved_as_typed_and_follow_the_paragraph(notes_in_a_temporary_folder, edition):
    app = reader.open()
    app.notes_panel.field.value = "The essay gives no source here."
    app.paragraph_reader.next_button.click()
    assert app.notes_panel.field.value == "" and app.notes_panel.field.description == "My note on ¶2"
    app.notes_panel.field.value = "CIA: 1977 or n.d.?"
    reopened = reader.open()
    assert reopened.notes_panel.field.value == "The essay gives no source here."
    reopened.paragraph_reader.jump.value = 2
    assert reopened.notes_panel.field.value == "CIA: 1977 or n.d.?"
    exported = reopened.notes_panel.export()
    assert exported.read_text(encoding="utf-8").count("## ¶") == 2
    assert str(exported) in reopened.notes_panel.status.value


@pytest.mark.filterwarnings("ignore:Your notes file")
def test_corrupt_notes_file_shows_a_warning_instead_of_crashing(notes_in_a_temporary_folder, edition):
    notes_in_a_temporary_folder.mkdir(parents=True, exist_ok=True)
    (notes_in_a_temporary_folder / f"{edition.name}.json").write_text("{not json", encoding="utf-8")
    app = reader.open()
    assert 'role="alert"' in app.notes_panel.status.value and "could not be read" in app.notes_panel.status.value


def test_questions_and_teacher_mode(edition):
    view = QuestionsView(edition, 5)
    questions = edition.paragraph(5).questions
    assert questions
    assert all(escape(question.question) in view.view.value for question in questions)
    assert "Expected points" not in view.view.value
    view.teacher_toggle.value = True
    assert all(escape(question.expected_points) in view.view.value for question in questions)
    assert reader.open().questions.teacher_toggle.layout.display == "none", "students do not see the switch"
    assert reader.open(teacher=True).questions.teacher


def test_every_paragraph_has_questions(edition):
    assert all(paragraph.questions for paragraph in edition.all_paragraphs())


def test_search_finds_text_cards_notes_and_events(edition):
    index = SearchIndex(edition)
    kinds = {hit.kind for hit in index.search("Zhukov")}
    assert {"paragraph", "card", "event"} <= kinds
    assert any(hit.kind == "note" for hit in index.search("misspelling"))
    assert index.search("sovnarkhozy") and index.search("SOVNARKHOZY")
    assert index.search("Хрущёв")[0].entity_id == "khrushchev"
    assert fold("Хрущёв") == fold("хрущев")
    assert index.search("") == [] and index.search("qwertyuiop") == []


def test_search_hits_lead_to_their_place(edition):
    app = reader.open()
    app.search.box.value = "Zhukov"
    hits = app.search.hits
    card = next(index for index, hit in enumerate(hits) if hit.entity_id == "zhukov")
    app.search.results.children[card].click()
    assert app.entity_cards.entity_id == "zhukov" and app.tabs.selected_index == 0
    assert app.paragraph_number == edition.entity("zhukov").paragraphs[0]
    event_hit = next(index for index, hit in enumerate(hits) if hit.kind == "event")
    app.chronology.theme_filter.value = ("ideology",)
    app.search.results.children[event_hit].click()
    assert app.chronology.event_id == hits[event_hit].event_id and app.tabs.selected_index == 1
    assert "1 place" in app.search.summary.value or "places" in app.search.summary.value
