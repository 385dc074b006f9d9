"""Telegram HTML as readable terminal text: bold and italic as ANSI styles, links spelled out."""

from __future__ import annotations

from html.parser import HTMLParser

STYLES = {
    "b": "1",
    "strong": "1",
    "i": "3",
    "em": "3",
    "u": "4",
    "ins": "4",
    "s": "9",
    "del": "9",
    "strike": "9",
    "code": "2",
    "pre": "2",
}
RESET = "\033[0m"


class _TerminalText(HTMLParser):
    def __init__(self, color: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.color = color
        self.out: list[str] = []
        self.active: list[str] = []
        self.links: list[str | None] = []

    def _restyle(self) -> None:
        if self.color:
            self.out.append(RESET + "".join(f"\033[{STYLES[t]}m" for t in self.active))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in STYLES:
            self.active.append(tag)
            self._restyle()
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
        elif tag == "blockquote":
            self.out.append("│ ")

    def handle_endtag(self, tag: str) -> None:
        if tag in STYLES and tag in self.active:
            self.active.reverse()
            self.active.remove(tag)
            self.active.reverse()
            self._restyle()
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def html_to_terminal(text: str, color: bool = True) -> str:
    parser = _TerminalText(color)
    parser.feed(text)
    parser.close()
    rendered = "".join(parser.out)
    return rendered + RESET if color else rendered


def format_buttons(rows: list[list[tuple[str, str | None]]]) -> tuple[str, list[str | None]]:
    """Number every inline button; returns the display and the data per number (from 1)."""
    lines, datas = [], []
    for row in rows:
        cells = []
        for label, data in row:
            datas.append(data)
            cells.append(f"[{len(datas)}] {label}")
        lines.append("   ".join(cells))
    return "\n".join(lines), datas
