"""What a browser would send for a form of a page, as it stands: read from the served HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """Collects the successful controls of the <form> whose action is `action`."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.found = action, False, False
        self.pairs: list[tuple[str, str]] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (attrs.get("action") or "").split("?")[0] == self.action
            self.found = self.found or self.inside
        if not self.inside or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.pairs.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self.pairs.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "text": "", "selected": "selected" in attrs}
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = {"name": attrs["name"], "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self._option is not None:
            value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
            if self._select["first"] is None:
                self._select["first"] = value
            if self._option["selected"] and self._select["chosen"] is None:
                self._select["chosen"] = value
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"] if self._select["chosen"] is not None else self._select["first"]
            if chosen is not None:
                self.pairs.append((self._select["name"], chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea["text"]
            # A browser drops the one line break that follows <textarea>.
            text = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text
            self.pairs.append((self._textarea["name"], text))
            self._textarea = None


def form_data(html: str, action: str) -> dict[str, str | list[str]]:
    """The fields of the form posting to `action`, filled as the page shows them (repeated names as lists)."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.found, f"no form posting to {action}"
    data: dict[str, str | list[str]] = {}
    for name, value in reader.pairs:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data
