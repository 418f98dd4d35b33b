"""The categories and departments, read from the shipped taxonomy (routing/data/taxonomy.md)."""
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TAXONOMY_PATH = Path(__file__).parent / "data" / "taxonomy.md"
COMMUNICATION = "communication"
# When a text mixes kinds, the category that asks the most of the office wins.
CATEGORY_PRIORITY = ("safety", "complaint", "improvement", "suggestion", "gratitude", "other")
NO_OWNER_CATEGORIES = ("gratitude", "other")

_ROW = re.compile(r"^\|\s*`(?P<key>[a-z_]+)`\s*\|\s*(?P<ko>[^|]+?)\s*\|\s*(?P<text>[^|]+?)\s*\|\s*$")


@dataclass(frozen=True)
class Entry:
    key: str
    name_ko: str
    description: str

    @property
    def name_en(self) -> str:
        return self.key.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Entry, ...]
    departments: tuple[Entry, ...]

    @property
    def category_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.categories)

    @property
    def department_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.departments)

    def department(self, key: str) -> Entry:
        return next(e for e in self.departments if e.key == key)

    def category(self, key: str) -> Entry:
        return next(e for e in self.categories if e.key == key)


def parse(markdown: str) -> Taxonomy:
    sections: dict[str, list[Entry]] = {}
    current = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = line[3:].strip().lower()
            continue
        match = _ROW.match(line)
        if current and match:
            sections.setdefault(current, []).append(Entry(match["key"], match["ko"], match["text"]))
    return Taxonomy(tuple(sections["categories"]), tuple(sections["departments"]))


@lru_cache(maxsize=1)
def default() -> Taxonomy:
    return parse(TAXONOMY_PATH.read_text(encoding="utf-8"))
