"""Text for a terminal: nothing from the input may move the cursor, set the title or reorder a line.

Names, texts, codes and file names from the input reach the terminal in findings, diffs, summaries and
error messages. An ``ESC]0;…BEL`` sequence in a unit name would set the terminal's title, a U+202E would
show a line reversed. Every echo of such text goes through ``echo`` here: each control, format (bidi,
zero-width), separator or surrogate character is shown as a visible escape (ESC as ``\\x1b``, U+202E as
``\\u202e``), in JSON as a JSON escape, so the data is unchanged and the terminal is safe.
"""

from __future__ import annotations

import unicodedata

import click

HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # controls, format (bidi...), surrogates, separators
LAYOUT = "\n\t"  # the line breaks and tabs budgetgen's own output is laid out with


def escape(character: str) -> str:
    """One character as Python writes it in a string literal: ``\\x1b``, ``\\u202e``, ``\\U000e0001``."""
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def hidden(character: str) -> bool:
    """Whether a character is invisible or acts on the terminal rather than showing."""
    return unicodedata.category(character) in HIDDEN_CATEGORIES


def visible(text: str, keep: str = LAYOUT) -> str:
    """Text with every hidden character escaped visibly, except those in ``keep`` (by default ``\\n`` and tab)."""
    if text.isprintable():
        return text
    return "".join(escape(ch) if ch not in keep and hidden(ch) else ch for ch in text)


def _json_escape(character: str) -> str:
    code = ord(character)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def visible_json(text: str) -> str:
    """JSON text with hidden characters as JSON escapes (``\\u0085``): it parses to the same data.

    ``json.dumps`` already escapes U+0000-U+001F inside strings; DEL, C1 controls, bidi and separators it
    leaves raw. A hidden character can only stand inside a string there, so the escape is always valid.
    """
    if text.isprintable():
        return text
    return "".join(_json_escape(ch) if ch not in LAYOUT and hidden(ch) else ch for ch in text)


def echo(text: str, *, err: bool = False, nl: bool = True, as_json: bool = False) -> None:
    """``click.echo`` of text that may hold input: hidden characters escaped (as JSON escapes in JSON)."""
    click.echo(visible_json(text) if as_json else visible(text), err=err, nl=nl)
