"""Find every mention of every entity in the text, from the spellings (aliases) on the cards.

``mentions.csv`` is generated from these rules (``reader mentions --write``) and then checked on every load,
so that a card gaining a spelling, or a paragraph being corrected, cannot silently leave a mention behind.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class MentionSpan:
    paragraph: int
    start: int
    end: int
    surface: str
    entity_id: str


def _is_word_character(character: str) -> bool:
    return character.isalnum()


def find_mentions(paragraph_texts: dict[int, str], aliases: dict[str, str]) -> list[MentionSpan]:
    """Every whole-word occurrence of every alias, longest alias first, never overlapping.

    ``aliases`` maps each exact spelling to its entity id. A spelling followed by a possessive ("Zhukov's")
    still matches; one inside a longer word ("Khrushchevite") does not, unless that word is itself an alias.
    """
    ordered_aliases = sorted(aliases, key=lambda alias: (-len(alias), alias))
    spans: list[MentionSpan] = []
    for paragraph, text in paragraph_texts.items():
        taken = [False] * len(text)
        found: list[MentionSpan] = []
        for alias in ordered_aliases:
            position = text.find(alias)
            while position != -1:
                end = position + len(alias)
                before = text[position - 1] if position > 0 else ""
                after = text[end] if end < len(text) else ""
                whole_word = not (alias[0].isalnum() and before and _is_word_character(before)) and not (
                    alias[-1].isalnum() and after and _is_word_character(after)
                )
                if whole_word and not any(taken[position:end]):
                    for index in range(position, end):
                        taken[index] = True
                    found.append(MentionSpan(paragraph, position, end, alias, aliases[alias]))
                position = text.find(alias, position + 1)
        spans.extend(sorted(found, key=lambda span: span.start))
    return spans
