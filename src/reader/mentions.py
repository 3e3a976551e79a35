"""Find every mention of every entity in the text, from the spellings (aliases) on the cards.

``mentions.csv`` is generated from these rules (``reader mentions --write``) and then checked on every load,
so that a card gaining a spelling, or a paragraph being corrected, cannot silently leave a mention behind.
"""

from dataclasses import dataclass

# A name may be found inside the longer mention of an event or concept ("Beria" in "execution of Beria"), but not
# inside the name of a body or a person ("Party" in "Party Presidium" is part of the Presidium's name).
KINDS_THAT_CONTAIN_NAMES = ("event", "concept")


@dataclass(frozen=True)
class MentionSpan:
    paragraph: int
    start: int
    end: int
    surface: str
    entity_id: str


def _is_whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not (text[start].isalnum() and before.isalnum()) and not (text[end - 1].isalnum() and after.isalnum())


def find_mentions(paragraph_texts: dict[int, str], aliases: dict[str, str],
                  kinds: dict[str, str] | None = None) -> list[MentionSpan]:
    """Every whole-word occurrence of every alias, longest alias first.

    ``aliases`` maps each exact spelling to its entity id, ``kinds`` each entity id to its kind. A spelling followed
    by a possessive ("Zhukov's") still matches; one inside a longer word ("Khrushchevite") does not, unless that word
    is itself an alias. Mentions never partly overlap; one may lie inside a longer mention of an event or concept.
    """
    kinds = kinds or {}
    ordered_aliases = sorted(aliases, key=lambda alias: (-len(alias), alias))
    spans: list[MentionSpan] = []
    for paragraph, text in paragraph_texts.items():
        found: list[MentionSpan] = []
        for alias in ordered_aliases:
            position = text.find(alias)
            while position != -1:
                end = position + len(alias)
                if _is_whole_word(text, position, end) and _fits(found, position, end, kinds):
                    found.append(MentionSpan(paragraph, position, end, alias, aliases[alias]))
                position = text.find(alias, position + 1)
        spans.extend(sorted(found, key=lambda span: (span.start, -span.end)))
    return spans


def _fits(found: list[MentionSpan], start: int, end: int, kinds: dict[str, str]) -> bool:
    for span in found:
        if span.end <= start or end <= span.start:
            continue  # apart
        contained = span.start <= start and end <= span.end
        if not contained or kinds.get(span.entity_id) not in KINDS_THAT_CONTAIN_NAMES:
            return False
    return True
