"""The files of a new edition made from a plain text: its paragraphs numbered, every other file with its header.

``reader new`` writes them; ``reader check`` then names what is left to fill in (the lines marked FILL IN of
edition.yaml first), one line per problem.
"""

import csv
import io
import json
import re

from reader.schema import SOURCE_TEXT, TABLES


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; the lines of one paragraph are joined with a space."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(line.strip() for line in block.splitlines() if line.strip()) for block in blocks if block.strip()]


def _csv(header: list[str], rows: list[list] = ()) -> str:  # type: ignore[assignment]
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return output.getvalue()


EDITION_TEMPLATE = """# The text of this edition and what is known of where it comes from (see data/README.md).
# Fill in every line marked FILL IN, then run `reader check` on this folder until it says the edition is valid.
title: {title}
# FILL IN: what the text is; every label of the reader uses this word (memorandum, speech, letter, article ...).
text_kind: text
# FILL IN: the language of the text, as a BCP 47 code (en, ru, de, fr ...).
language: en
# FILL IN: who wrote it, when it was published (an ISO date like 1900-01-31) and where it can be read;
# leave 'not verified' where that is the answer.
author: not verified
published: not verified
url: not verified
# FILL IN (required): where the text comes from and how it reached this edition.
provenance: ''
rights:
  # FILL IN (required): the text's copyright status and why the edition may include it
  # (e.g. 'public domain: a work of the US federal government').
  status: ''
  # FILL IN (required): who holds the rights, or what is known of them.
  holder: ''
"""


def edition_files(text: str, title: str) -> dict[str, str]:
    """Every file of a new edition of ``text`` by name: the text as received, its paragraphs, the headers."""
    paragraphs = split_paragraphs(text)
    files = {
        SOURCE_TEXT: text if text.endswith("\n") else text + "\n",
        "edition.yaml": EDITION_TEMPLATE.format(title=json.dumps(" ".join(title.split()), ensure_ascii=False)),
    }
    for spec in TABLES:
        header = [column.name for column in spec.columns if not column.may_be_absent]  # a web page's columns: add them
        if spec.name == "paragraphs":
            files[spec.file_name] = _csv(
                header, [[number, paragraph] for number, paragraph in enumerate(paragraphs, 1)]
            )
        else:
            files[spec.file_name] = _csv(header)
    return files
