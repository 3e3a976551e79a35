"""The reader's widgets: one class each, rendering the edition's model, composed by :class:`ReaderApp`."""

from reader.widgets.app import ReaderApp
from reader.widgets.chronology import Chronology
from reader.widgets.entity_cards import EntityCards
from reader.widgets.excerpt_view import ExcerptView
from reader.widgets.paragraph_reader import ParagraphReader

__all__ = ["Chronology", "EntityCards", "ExcerptView", "ParagraphReader", "ReaderApp"]
