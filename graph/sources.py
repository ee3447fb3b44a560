"""The two source documents: where they live, their codes, and verbatim-quote checks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graph.namespaces import ID

# Document code used in locators ("EN L59") → file stem in the seeds folder.
DOCUMENTS: dict[str, str] = {
    "EN": "000_c168c7ecd4ccf9a4",
    "ES": "003_8407abe9c6328940",
}

LOCATOR = re.compile(r"^(EN|ES) L(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class Locator:
    """A line range of one source document, parsed from "EN L59" or "ES L205-207"."""

    code: str
    first: int
    last: int

    @property
    def stem(self) -> str:
        return DOCUMENTS[self.code]

    @property
    def document_iri(self) -> str:
        return str(ID[f"source/{self.stem}"])

    def __str__(self) -> str:
        tail = f"-{self.last}" if self.last != self.first else ""
        return f"{self.code} L{self.first}{tail}"


class LocatorError(ValueError):
    """A locator that is not of the form "EN L59" / "ES L205-207", or out of range."""


def parse_locator(text: str) -> Locator:
    """Parse a locator string.

    >>> parse_locator("ES L205-207")
    Locator(code='ES', first=205, last=207)
    """
    match = LOCATOR.match(text.strip())
    if not match:
        raise LocatorError(f"locator {text!r} is not like 'EN L59' or 'ES L205-207'")
    first = int(match.group(2))
    last = int(match.group(3) or first)
    if last < first:
        raise LocatorError(f"locator {text!r} ends before it starts")
    return Locator(match.group(1), first, last)


def normalise(text: str) -> str:
    """Fold whitespace runs (line breaks included) to one space; nothing else changes.

    >>> normalise("a  b\\n c ")
    'a b c'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


@lru_cache(maxsize=8)
def document_lines(seeds: Path, stem: str) -> tuple[str, ...]:
    path = seeds / f"{stem}.txt"
    return tuple(path.read_text(encoding="utf-8").splitlines())


def quote_in_range(seeds: Path, locator: Locator, quote: str) -> bool:
    """True when the quote occurs verbatim (whitespace-normalised) inside the locator's lines."""
    lines = document_lines(seeds, locator.stem)
    if locator.last > len(lines):
        raise LocatorError(f"{locator} is past the end of {locator.stem} ({len(lines)} lines)")
    passage = normalise(" ".join(lines[locator.first - 1 : locator.last]))
    return normalise(quote) in passage


def default_seeds() -> Path:
    """../shared/seeds beside the project root, unless GOVKG_SEEDS says otherwise."""
    import os

    configured = os.environ.get("GOVKG_SEEDS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
