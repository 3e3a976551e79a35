"""The reader's widgets: one class each, rendering the edition's model, composed by :class:`ReaderApp`."""

from reader.widgets.app import ReaderApp
from reader.widgets.chronology import Chronology
from reader.widgets.claims_panel import ClaimsPanel
from reader.widgets.edition_picker import EditionPicker
from reader.widgets.entity_cards import EntityCards
from reader.widgets.excerpt_view import ExcerptView
from reader.widgets.notes_panel import NotesPanel
from reader.widgets.paragraph_reader import ParagraphReader
from reader.widgets.questions_view import QuestionsView
from reader.widgets.search_view import SearchView

__all__ = [
    "Chronology",
    "ClaimsPanel",
    "EditionPicker",
    "EntityCards",
    "ExcerptView",
    "NotesPanel",
    "ParagraphReader",
    "QuestionsView",
    "ReaderApp",
    "SearchView",
]
