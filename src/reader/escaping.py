"""The one way text from data reaches HTML.

ipywidgets' ``HTML`` widget inserts its value as live DOM without sanitising, so every string that comes from
``data/`` (essay, cards, notes, sources) is escaped here before any markup is built around it.
"""

import html
from urllib.parse import urlsplit

SAFE_URL_SCHEMES = ("http", "https")


def escape(value: object) -> str:
    """Text made inert for HTML element content and quoted attribute values (``& < > " '`` escaped)."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(value: object) -> str | None:
    """An escaped http(s) URL for an ``href``, or None for anything else (``javascript:``, ``data:``, ...)."""
    text = "" if value is None else str(value).strip()
    if any(character.isspace() or ord(character) < 32 for character in text):
        return None
    if urlsplit(text).scheme.lower() not in SAFE_URL_SCHEMES:
        return None
    return escape(text)


def field(value: object) -> str:
    """A field from data as isolated, escaped text: ``<bdi>`` keeps its direction (a stray U+202E, an Arabic name)
    from reordering the text around it."""
    return f"<bdi>{escape(value)}</bdi>"
