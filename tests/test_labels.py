"""No label or CSS class in src/ names the first edition's people, bodies, years or themes, nor calls every text an
essay.

The words are taken from the bundled edition itself (its cards' spellings, its events' years, its themes), and
looked for in every string literal of the package that is not a docstring: what a student could see.
"""

import ast
import re
from pathlib import Path

import reader

PACKAGE = Path(reader.__file__).resolve().parent


def _visible_strings(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def _edition_words(edition) -> set[str]:
    words = {"essay"}
    for entity in edition.all_entities():
        if entity.kind in ("person", "body", "office"):
            words.update(alias for alias in entity.aliases if len(alias) >= 5)
    words.update(event.start[:4] for event in edition.all_events())
    words.update(theme.label for theme in edition.themes)
    return words


def test_the_word_list_is_the_first_edition_s():
    words = _edition_words(reader.load())
    assert {"Khrushchev", "Zhukov", "Presidium", "1957", "1965", "economic reform"} <= words


def test_no_label_in_the_package_names_the_first_edition():
    words = _edition_words(reader.load())
    pattern = re.compile(r"\b(" + "|".join(re.escape(word) for word in sorted(words)) + r")\b", re.IGNORECASE)
    found = [
        f"{path.relative_to(PACKAGE)}:{line}: {match.group(0)!r} in {text[:80]!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, text in _visible_strings(path)
        for match in [pattern.search(text)]  # class names too: a stylesheet should not name one text either
        if match
    ]
    assert not found, "\n".join(found)


def test_the_search_finds_a_planted_label(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('"""A docstring about the essay is fine."""\nLABEL = "Roles 1953–1965"\n', encoding="utf-8")
    assert [text for _, text in _visible_strings(planted)] == ["Roles 1953–1965"]


def test_no_class_in_the_stylesheet_names_the_first_edition():
    words = _edition_words(reader.load()) | {"ru"}  # "ru": the first edition's original language
    pattern = re.compile(r"\.reader-[a-z0-9-]+")
    css = (PACKAGE / "reader.css").read_text(encoding="utf-8")
    assert not [name for name in set(pattern.findall(css)) if _names_one_of(name, words)]


def _names_one_of(class_name: str, words: set[str]) -> bool:
    """Whether a class name holds one of ``words`` as whole hyphen-separated parts ('economic reform' too)."""
    parts = f"-{class_name.lstrip('.')}-"
    return any(f"-{'-'.join(word.lower().split())}-" in parts for word in words)


def test_a_planted_class_is_found():
    assert _names_one_of(".reader-essay-says", {"essay"})
    assert _names_one_of(".reader-theme-economic-reform", {"economic reform"})
    assert not _names_one_of(".reader-essayist", {"essay"})
