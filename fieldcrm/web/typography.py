"""French typography for the catalogue (pure): a non-breaking space before ? ! : ; and », after «,
before a "·" separator, and between a number and its unit or %.

    python -m fieldcrm.web.typography fieldcrm/translations/fr/LC_MESSAGES/messages.po

rewrites the French translations (msgstr lines only, nothing else moves); the tests check that the
catalogue needs no rewrite."""

from __future__ import annotations

import re
import sys
from pathlib import Path

NBSP = "\u00a0"
# A number (digits, or a %(placeholder)s / %d) then a unit or a percent sign.
UNITS = r"(?:km/h|km|min|h|m|s|kg|%%|%|€|CV|Mo|Ko)"
_NUMBER_UNIT = re.compile(r"(\d|%\([a-z_]+\)[sd]|%[sd]|\}\}) (" + UNITS + r")(?=$|[\s.,;:!?)\]»\"'’])")
_BEFORE = re.compile(r"(?<=\S) ([?!:;»])")
_AFTER = re.compile(r"« ")
_DOT = re.compile(r" · ")  # a separator stays at the end of the line it ends, never starts the next
# "http://x", "12:30", "%(x)s:" carry no space: untouched. A lone ":" at the start of a string is left too.


def french_spaces(text: str) -> str:
    """`text` with the non-breaking spaces French typography puts where a plain one was typed."""
    text = _BEFORE.sub(NBSP + r"\1", text)
    text = _AFTER.sub("«" + NBSP, text)
    text = _DOT.sub(NBSP + "· ", text)
    return _NUMBER_UNIT.sub(r"\1" + NBSP + r"\2", text)


def fix_po(path: Path) -> int:
    """Rewrite the msgstr strings of a .po file in place (a string wrapped over several lines is
    fixed as a whole, and keeps its line breaks: each fix swaps one space for one non-breaking
    space); returns how many lines changed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    changed, i = 0, 0
    while i < len(lines):
        if not lines[i].startswith("msgstr"):
            i += 1
            continue
        block = [i]
        while block[-1] + 1 < len(lines) and lines[block[-1] + 1].startswith('"'):
            block.append(block[-1] + 1)
        heads, bodies = [], []
        for n in block:
            head, _, rest = lines[n].partition('"')
            heads.append(head + '"')
            bodies.append(rest[:-1])  # the text between the quotes, as escaped in the file
        fixed = french_spaces("".join(bodies))
        start = 0
        for n, head, body in zip(block, heads, bodies, strict=True):
            line = head + fixed[start:start + len(body)] + '"'
            start += len(body)
            if line != lines[n]:
                lines[n], changed = line, changed + 1
        i = block[-1] + 1
    path.write_text("\n".join(lines), encoding="utf-8")
    return changed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {fix_po(Path(name))} lines changed")
