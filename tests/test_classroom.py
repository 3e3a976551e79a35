"""Classroom features through the widgets' own controls: judge first, notes, questions, search."""

import errno
import os

import pytest

import reader
from reader import render
from reader.escaping import escape
from reader.search import SearchIndex, fold
from reader.student_notes import StudentNotes
from reader.widgets import QuestionsView, ReaderApp


def test_judge_first_hides_the_verdict_until_the_student_has_judged(notes_in_a_temporary_folder, edition):
    app = reader.open(class_mode=True, paragraph_number=5)
    claims = app.paragraph_reader.claims_panel
    claim = edition.paragraph(5).claims[0]
    assert claims.judge_first and claims.judge_box.layout.display is None
    assert escape(claim.record) not in claims.view.value and "verdict hidden" in claims.view.value
    app.paragraph_reader.claims_toggle.value = True
    assert 'C1?<span class="reader-sr-only"> (claim 1: judge it first)</span></button>' in (
        app.paragraph_reader.text_view.value
    )
    assert claims.record_button.disabled
    claims.judgement.value = "doubtful"
    claims.reason.value = "Shepilov was not a full member?"
    claims.record_button.click()
    assert escape(claim.record) in claims.view.value and escape(claim.verdict) in claims.view.value
    assert "Your judgement:</span> <bdi>doubtful</bdi>" in claims.view.value
    marker = render.VERDICT_MARKS[claim.verdict]
    assert f'C1{marker}<span class="reader-sr-only"> (claim 1: {escape(claim.verdict)})</span></button>' in (
        app.paragraph_reader.text_view.value
    )
    assert app.bridge.focused[-1] == "claim", "focus moves to the result, not to the page"
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
    assert exported.name in reopened.notes_panel.status.value
    assert str(exported.parent) not in reopened.notes_panel.status.value, "the file's name, not the server's path"


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


class FullDisk(StudentNotes):
    """Notes whose saves fail as on a full disk while ``full`` is set (through the public methods only)."""

    full = True

    def set_note(self, paragraph, text):
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        super().set_note(paragraph, text)

    def set_judgement(self, claim_id, judgement, reason):
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        super().set_judgement(claim_id, judgement, reason)


def test_a_note_that_cannot_be_saved_is_kept_and_the_student_told(tmp_path, edition):
    folder = tmp_path / "notes"
    folder.write_text("I am a file where the notes folder should be", encoding="utf-8")
    app = ReaderApp(edition, notes=StudentNotes(edition.name, folder / "notes.json"))
    panel = app.notes_panel
    assert "Notes are saved as you type" in panel.status.value
    panel.field.value = "Khrushchev <b>won</b> in the plenum"
    assert "NOT saved" in panel.status.value and 'role="alert"' in panel.status.value
    assert "Notes are saved as you type" not in panel.status.value
    assert "<b>" not in panel.status.value
    assert panel.field.value == "Khrushchev <b>won</b> in the plenum", "the text stays in the field"
    app.paragraph_reader.next_button.click()
    assert "NOT saved" in panel.status.value, "still not saved on another paragraph"
    app.paragraph_reader.previous_button.click()
    assert panel.field.value == "Khrushchev <b>won</b> in the plenum", "and still there when the student comes back"
    folder.unlink()
    folder.mkdir()
    panel.field.value += "."
    assert "Notes are saved as you type" in panel.status.value and "NOT saved" not in panel.status.value
    assert "Notes saved — last saved" in panel.status.value
    assert str(folder) not in panel.status.value, "no server path is shown to students when all is well"
    assert StudentNotes(edition.name, folder / "notes.json").note(1) == "Khrushchev <b>won</b> in the plenum."
    exported = panel.export()
    assert exported.parent == folder and str(folder) not in panel.status.value
    assert f"Notes exported to <bdi>{exported.name}</bdi>" in panel.status.value


def test_notes_saved_again_after_a_full_disk_include_every_unsaved_paragraph(tmp_path, edition):
    notes = FullDisk(edition.name, tmp_path / "notes.json")
    app = ReaderApp(edition, notes=notes)
    app.notes_panel.field.value = "first"
    app.go_to(2)
    app.notes_panel.field.value = "second"
    assert os.strerror(errno.ENOSPC) in app.notes_panel.status.value
    assert not (tmp_path / "notes.json").exists()
    notes.full = False
    app.notes_panel.field.value = "second, again"
    assert "Notes are saved as you type" in app.notes_panel.status.value
    saved = StudentNotes(edition.name, tmp_path / "notes.json")
    assert (saved.note(1), saved.note(2)) == ("first", "second, again")


def test_a_read_only_notes_folder(tmp_path, edition, monkeypatch):
    """A read-only file system, made where the notes' own save replaces the file (chmod does not bind root, who
    runs CI): the real StudentNotes and panel code run, only the final rename fails."""

    def read_only(*_arguments, **_keywords):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    app = ReaderApp(edition, notes=StudentNotes(edition.name, tmp_path / "notes.json"))
    monkeypatch.setattr(os, "replace", read_only)
    app.notes_panel.field.value = "kept"
    assert "NOT saved" in app.notes_panel.status.value and os.strerror(errno.EROFS) in app.notes_panel.status.value
    assert app.notes_panel.field.value == "kept"
    monkeypatch.undo()
    app.notes_panel.field.value = "kept, and more"
    assert "NOT saved" not in app.notes_panel.status.value
    assert StudentNotes(edition.name, tmp_path / "notes.json").note(1) == "kept, and more"


def test_a_judgement_that_cannot_be_saved_stays_the_students_with_a_warning(tmp_path, edition):
    notes = FullDisk(edition.name, tmp_path / "notes.json")
    app = ReaderApp(edition, 5, notes=notes, judge_first=True)
    claims = app.paragraph_reader.claims_panel
    first, second = edition.paragraph(5).claims[:2]
    claims.judgement.value = "wrong"
    claims.reason.value = "<i>the vote</i>"
    claims.record_button.click()
    assert (
        "Your judgement:</span> <bdi>wrong</bdi>" in claims.view.value
        and escape("<i>the vote</i>") in claims.view.value
    )
    assert "NOT saved" in claims.view.value and os.strerror(errno.ENOSPC) in claims.view.value
    assert escape(first.record) in claims.view.value, "judged: the record is shown"
    app.go_to(6)
    app.go_to(5)
    assert "Your judgement:</span> <bdi>wrong</bdi>" in claims.view.value and "NOT saved" in claims.view.value
    notes.full = False
    claims.choice.value = 2
    claims.judgement.value = "supported"
    claims.record_button.click()
    assert "NOT saved" not in claims.view.value
    claims.choice.value = 1
    assert "Your judgement:</span> <bdi>wrong</bdi>" in claims.view.value and "NOT saved" not in claims.view.value
    saved = StudentNotes(edition.name, tmp_path / "notes.json")
    assert saved.judgement(first.claim_id)["judgement"] == "wrong"
    assert saved.judgement(second.claim_id)["judgement"] == "supported"
