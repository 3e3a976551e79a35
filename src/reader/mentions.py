"""Find every mention of every entity in the text, from the spellings (aliases) on the cards.

``mentions.csv`` is generated from these rules (``reader mentions --write``) and then checked on every load,
so that a card gaining a spelling, or a paragraph being corrected, cannot silently leave a mention behind.
The search is linear in the length of the text: aliases are indexed by their first word, and only the aliases
that begin with the word at hand are tried there.
"""

import re
from dataclasses import dataclass

# A name may be found inside the longer mention of an event or concept ("Beria" in "execution of Beria"), but not
# inside the name of a body or a person ("Party" in "Party Presidium" is part of the Presidium's name).
KINDS_THAT_CONTAIN_NAMES = ("event", "concept")
TOKEN = re.compile(r"\w+|[^\w\s]")


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


class AliasIndex:
    """Aliases grouped by their first token, longest first."""

    def __init__(self, aliases: dict[str, str]):
        self.aliases = aliases
        self.by_first_token: dict[str, list[str]] = {}
        for alias in sorted(aliases, key=lambda alias: (-len(alias), alias)):
            first = TOKEN.match(alias)
            self.by_first_token.setdefault(first.group(0) if first else alias, []).append(alias)

    def occurrences(self, text: str):
        """Every (start, alias) where an alias begins at the start of a token of ``text``."""
        for token in TOKEN.finditer(text):
            start = token.start()
            # A token of the text may be longer than an alias's first token ("Khrushchev" vs "Khrushchevite"),
            # so every prefix of the text's token that is some alias's first token is tried.
            word = token.group(0)
            for length in range(len(word), 0, -1):
                for alias in self.by_first_token.get(word[:length], ()):
                    if text.startswith(alias, start):
                        yield start, alias


def find_mentions(
    paragraph_texts: dict[int, str],
    aliases: dict[str, str],
    kinds: dict[str, str] | None = None,
    occurrences: dict[int, list[tuple[int, str]]] | None = None,
) -> list[MentionSpan]:
    """Every whole-word occurrence of every alias, longest alias first.

    ``aliases`` maps each exact spelling to its entity id, ``kinds`` each entity id to its kind. A spelling followed
    by a possessive ("Zhukov's") still matches; one inside a longer word ("Khrushchevite") does not, unless that word
    is itself an alias. Mentions never partly overlap; one may lie inside a longer mention of an event or concept.
    """
    kinds = kinds or {}
    occurrences = occurrences if occurrences is not None else alias_occurrences(paragraph_texts, aliases)
    spans: list[MentionSpan] = []
    for paragraph, text in paragraph_texts.items():
        candidates = sorted(
            (
                (start, alias)
                for start, alias in occurrences[paragraph]
                if _is_whole_word(text, start, start + len(alias))
            ),
            key=lambda candidate: (-len(candidate[1]), candidate[1], candidate[0]),
        )
        found: list[MentionSpan] = []
        for start, alias in candidates:
            end = start + len(alias)
            if _fits(found, start, end, kinds):
                found.append(MentionSpan(paragraph, start, end, alias, aliases[alias]))
        spans.extend(sorted(found, key=lambda span: (span.start, -span.end)))
    return spans


def alias_occurrences(paragraph_texts: dict[int, str], aliases: dict[str, str]) -> dict[int, list[tuple[int, str]]]:
    """For each paragraph, every (start, alias) where an alias begins at the start of a word: the text is scanned
    once, for the check that every alias occurs and for the search of mentions alike."""
    index = AliasIndex(aliases)
    return {paragraph: list(index.occurrences(text)) for paragraph, text in paragraph_texts.items()}


def aliases_in_text(paragraph_texts: dict[int, str], aliases: dict[str, str], occurrences=None) -> set[str]:
    """The aliases that occur somewhere in the text (at the start of a word)."""
    occurrences = occurrences if occurrences is not None else alias_occurrences(paragraph_texts, aliases)
    return {alias for found in occurrences.values() for _, alias in found}


def _fits(found: list[MentionSpan], start: int, end: int, kinds: dict[str, str]) -> bool:
    for span in found:
        if span.end <= start or end <= span.start:
            continue  # apart
        contained = span.start <= start and end <= span.end
        if not contained or kinds.get(span.entity_id) not in KINDS_THAT_CONTAIN_NAMES:
            return False
    return True
