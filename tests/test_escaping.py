"""Hostile text from data never becomes markup."""

import pytest

from reader.escaping import escape, safe_url

PAYLOADS = [
    "<script>window.pwned = 1</script>",
    '<img src=x onerror="window.pwned=1">',
    "<svg onload=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus '",
    "</div><style>body{display:none}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "&lt;already escaped&gt;",
    "\u202eevil\u202c zero\u200bwidth",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_leaves_no_markup(payload):
    escaped = escape(payload)
    assert "<" not in escaped and ">" not in escaped
    assert '"' not in escaped and "'" not in escaped
    assert (
        escaped.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        == payload
    )


def test_escape_keeps_text_readable():
    assert escape("Khrushchev's “Anti-Party” Group & the CC") == "Khrushchev&#x27;s “Anti-Party” Group &amp; the CC"
    assert escape(None) == ""
    assert escape(1957) == "1957"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>",
        "vbscript:x",
        "java\tscript:alert(1)",
        "//evil.example",
        "",
        None,
        "http://a b",
    ],
)
def test_unsafe_urls_are_refused(url):
    assert safe_url(url) is None


def test_safe_url_is_escaped():
    assert safe_url('https://example.org/?q="><script>') == "https://example.org/?q=&quot;&gt;&lt;script&gt;"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_pieces_of_the_app_escape_what_they_are_given(payload):
    """The render functions the widgets compose escape every string from data, students and the system."""
    from reader import render

    pieces = [
        render.empty_html(payload),
        render.heading_html(payload),
        render.own_judgement_html({"judgement": payload, "reason": payload}, not_saved=payload),
        render.notes_status_html(last_saved=payload, warnings=[payload]),
        render.notes_status_html(last_saved=None, not_saved=payload),
        render.notes_status_html(last_saved=None, exported_to=payload),
        render.notes_status_html(last_saved=None, export_failed=payload),
    ]
    for piece in pieces:
        assert escape(payload) in piece or not payload.strip()
        if payload.startswith("<") or '"' in payload:
            assert payload not in piece
