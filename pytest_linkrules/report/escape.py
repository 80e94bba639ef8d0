"""One escaping step per place site text goes: a CI log or terminal, a workflow command, a CSV cell.

Text from a site (titles, anchors, hrefs, file names, even page URLs) is
hostile. Every writer in the plugin and the ``linkrules`` command passes it
through the step named here for its destination, never its own variant.
HTML and Markdown have theirs beside their writers (report/html.py,
report/github.py ``md``).
"""

from __future__ import annotations

import re

# C0 controls (ESC starts ANSI sequences; CR and LF start new lines), DEL and
# C1 controls (U+009B is a one-character CSI on some terminals), plus the
# Unicode line and paragraph separators some log viewers break lines at.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # the same, newline and tab kept


def _picture(match: re.Match[str]) -> str:
    """A control character as its visible Unicode "control picture" (LF -> U+240A), inert."""
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def terminal(text: object) -> str:
    """One piece of site text for a terminal or CI log line: no control character survives.

    Newlines, carriage returns and ESC become visible control pictures, so the
    text can neither start a line of its own nor move the cursor or colour.
    """
    text = str(text)
    if text.isprintable():  # no Cc character, no line or paragraph separator: nothing to replace (a failure text has ~20 pieces)
        return text
    return _CONTROL.sub(_picture, text)


# GitHub's runner reads a line as a workflow command when it starts with "::"
# after leading whitespace, and the older "##[command]" form anywhere in a line.
_COMMAND_START = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)
_V1_COMMAND = re.compile(r"##\[", re.IGNORECASE)


def log_text(text: str) -> str:
    """Our own multi-line text (failure evidence, notes) holding site text, for a terminal or CI log.

    Control characters other than newline and tab become visible; no line can
    start a workflow command (``::``) or hold an old-style one (``##[``): a
    zero-width space goes between the two characters, which reads the same.
    """
    text = _TEXT_CONTROL.sub(_picture, text)
    if "::" in text:  # both patterns need their literal: a failure text rarely holds either (~10 us a text saved)
        text = _COMMAND_START.sub("\\1:\u200b", text)
    return _V1_COMMAND.sub("#\u200b#[", text) if "##[" in text else text


def workflow_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are encoded, as GitHub's runner decodes them."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A workflow command's property value (file, title): also ':' and ','."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


# OWASP "CSV Injection": a cell starting with one of these is a formula to
# spreadsheet programs (tab and CR too: some strip them and read what follows).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe.

    Numbers are left alone (a depth of -1 stays a number); the csv module
    quotes the cell and doubles its quotes, as OWASP also asks.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
