"""One search across the essay, the cards, the notes and the chronology; each hit knows where it leads."""

import re
import unicodedata
from dataclasses import dataclass

from reader.model import Edition


@dataclass(frozen=True)
class Hit:
    kind: str  # "paragraph", "card", "note", "event"
    label: str
    snippet: str
    paragraph: int | None = None
    entity_id: str | None = None
    event_id: str | None = None


def fold(text: str) -> str:
    """Lower case without accents, so that 'khrushchev' finds 'Khrushchëv' and 'sovnarkhozy' 'Sovnarkhozy'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def _snippet(text: str, folded_text: str, folded_query: str, width: int = 60) -> str:
    position = folded_text.find(folded_query)
    start, end = max(0, position - width), min(len(text), position + len(folded_query) + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


class SearchIndex:
    """Folded texts of everything searchable, built once per edition."""

    def __init__(self, edition: Edition):
        self.entries: list[tuple[Hit, str, str]] = []
        for paragraph in edition.all_paragraphs():
            self._add(Hit("paragraph", paragraph.label, "", paragraph=paragraph.number), paragraph.text)
        for entity in edition.all_entities():
            text = " ".join([entity.name, entity.original_name or "", *entity.aliases, entity.summary])
            self._add(
                Hit(
                    "card",
                    entity.name,
                    "",
                    paragraph=(entity.paragraphs or (None,))[0],
                    entity_id=entity.entity_id,
                ),
                text,
            )
        for paragraph in edition.all_paragraphs():
            for note in paragraph.notes:
                self._add(
                    Hit("note", f"note on {paragraph.label}", "", paragraph=paragraph.number),
                    f"{note.anchor} {note.reading or ''} {note.note}",
                )
        for event in edition.all_events():
            self._add(
                Hit(
                    "event",
                    f"{event.date_label} {event.title}",
                    "",
                    paragraph=(event.paragraphs or (None,))[0],
                    event_id=event.event_id,
                ),
                f"{event.title} {event.summary} {event.essay_wording or ''}",
            )

    def _add(self, hit: Hit, text: str) -> None:
        self.entries.append((hit, text, fold(text)))

    def search(self, query: str, limit: int = 50) -> list[Hit]:
        words = [fold(word) for word in re.findall(r"\w[\w'’-]*", query)]
        if not words:
            return []
        hits = []
        for hit, text, folded in self.entries:
            if all(word in folded for word in words):
                hits.append(
                    Hit(
                        hit.kind,
                        hit.label,
                        _snippet(text, folded, words[0]),
                        hit.paragraph,
                        hit.entity_id,
                        hit.event_id,
                    )
                )
                if len(hits) == limit:
                    break
        return hits
