"""What extraction yields: mentions, evidence, facts, and one document's extraction.

>>> ev = Evidence("a.md", 0, 26, "Finland joined NATO in 2023.", "", "joined-org")
>>> Fact("finland", "memberOf", "nato", ev, start_year=2023).key
('finland', 'memberOf', 'nato')
>>> _is_base(Mention(0, 11, "camp-arifjan", "MilitaryBase", "name", "Camp Arifjan"))
True
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..corpus import Document
from ..lexicon import Entity


@dataclass(frozen=True)
class Mention:
    start: int  #: offsets in the sentence's clean text
    end: int
    entity: str  #: entity id
    kind: str  #: entity kind (ontology class local name)
    via: str  #: name | demonym | force | pattern | acronym | concept | coref
    text: str


@dataclass(frozen=True)
class Evidence:
    doc: str  #: document path
    start: int  #: offsets into the document's original text
    end: int
    quote: str  #: the document's text between the offsets
    section: str
    rule: str


@dataclass(frozen=True)
class Fact:
    subject: str
    prop: str  #: ontology property local name
    object: str  #: entity id, or the text of a literal for datatype properties
    evidence: Evidence
    start_year: int | None = None  #: qualifier (membership start, founding year)
    end_year: int | None = None
    antecedent: Evidence | None = None  #: the sentence that named what a pronoun in the evidence stands for

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.prop, self.object)


@dataclass
class Extraction:
    """What one document yields: the entities it mentions and the facts it states."""

    doc: Document
    entities: dict[str, Entity] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    mentions: Counter = field(default_factory=Counter)  #: entity id -> number of mentions
    extractor: str = ""  #: the linguistic pipeline and rule set that read it (build metadata)


@dataclass
class _DocState:
    """What extraction remembers while it reads one document."""

    aliases: dict[str, str] = field(default_factory=dict)  #: acronym or alias -> entity id (this document)
    last_org: str | None = None
    last_base: str | None = None
    orgs_seen: list[str] = field(default_factory=list)
    network: str | None = None  #: label of the document's alliance network ("Alliances of Islamic nations")


def _is_country(men: Mention) -> bool:
    return men.kind == "Country"


def _is_place(men: Mention) -> bool:
    return men.kind in ("Country", "City")


def _is_base(men: Mention) -> bool:
    return men.kind in ("MilitaryBase", "AirBase", "NavalBase")


def _is_org(men: Mention) -> bool:
    return men.kind in ("Organization", "MilitaryAlliance")
