"""The bundled lexicon: reference data that *describes* entities (names, aliases,
demonyms, ISO codes, Wikidata ids, coordinates) and the concept schemes of the
ontology. It never states a relation between two entities: those come only from
documents.

>>> lex = load_lexicon()
>>> lex.entities["united-states"].label
'United States'
>>> lex.entities["incirlik-air-base"].kind
'AirBase'
>>> slugify("Al-Udeid Air Base")
'al-udeid-air-base'
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import OntologyError
from .resources import lexicon_dir, ontology_path

LEXICON_DIR = lexicon_dir()
ONTOLOGY_FILE = ontology_path()
ONTOLOGY_DIR = ONTOLOGY_FILE.parent

#: entity kinds (ontology class local names) that are places of military use
BASE_KINDS = ("MilitaryBase", "AirBase", "NavalBase")
ORG_KINDS = ("Organization", "MilitaryAlliance")
CONCEPT_KINDS = ("CooperationArea", "Threat", "Purpose", "HistoricalPeriod")


@dataclass
class Entity:
    """An entity known to the lexicon or discovered in a document."""

    id: str  #: local name of the entity's IRI (a slug of its canonical name)
    label: str
    kind: str  #: ontology class local name: Country, City, AirBase, MilitaryAlliance, ...
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    iso3: str = ""
    wikidata: str = ""
    lat: float | None = None
    lon: float | None = None
    iri: str = ""  #: full IRI for concepts defined in the ontology
    start_year: int | None = None
    end_year: int | None = None
    kinds: tuple[str, ...] = field(default=())  #: extra classes (concepts in two schemes)

    @property
    def is_base(self) -> bool:
        return self.kind in BASE_KINDS

    @property
    def is_org(self) -> bool:
        return self.kind in ORG_KINDS

    @property
    def is_concept(self) -> bool:
        return self.kind in CONCEPT_KINDS


def slugify(text: str) -> str:
    """Stable IRI local name for a canonical name."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def name_key(text: str) -> str:
    """Key to compare names: accents, case, punctuation and a leading 'the' ignored."""
    key = slugify(text).replace("-", " ")
    return re.sub(r"^the ", "", key)


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split("|") if v.strip()) if value else ()


def _float(value: str) -> float | None:
    return float(value) if value and value.strip() else None


def _rows(path: Path):
    """Rows of a tab-separated lexicon file (comment lines start with '#')."""
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            yield lineno, next(csv.reader([line.rstrip("\n")], delimiter="\t", quoting=csv.QUOTE_NONE))


BASE_KIND = {"air": "AirBase", "naval": "NavalBase", "base": "MilitaryBase"}
ORG_KIND = {"alliance": "MilitaryAlliance", "organization": "Organization"}


@dataclass
class Lexicon:
    """All entities of the reference data, by id, and the forces table."""

    entities: dict[str, Entity]
    forces: dict[str, str]  #: named force ("Royal Navy") -> country id

    def by_name(self) -> dict[str, str]:
        """name_key of every label and alias -> entity id (concepts excluded)."""
        out: dict[str, str] = {}
        for ent in self.entities.values():
            if ent.is_concept:
                continue
            for name in (ent.label, *ent.aliases):
                out.setdefault(name_key(name), ent.id)
        return out


def _load_tsv_entities() -> tuple[dict[str, Entity], dict[str, str]]:
    ents: dict[str, Entity] = {}

    def add(ent: Entity, path: Path, lineno: int):
        if ent.id in ents:
            raise OntologyError(f"duplicate lexicon id '{ent.id}'", path=path, line=lineno)
        ents[ent.id] = ent

    path = LEXICON_DIR / "countries.tsv"
    for n, r in _rows(path):
        add(Entity(r[0], r[1], "Country", _split(r[2]), _split(r[3]), r[4], r[5], _float(r[6]), _float(r[7])), path, n)
    path = LEXICON_DIR / "organizations.tsv"
    for n, r in _rows(path):
        add(Entity(r[0], r[1], ORG_KIND[r[3]], _split(r[2]), wikidata=r[4] if len(r) > 4 else ""), path, n)
    path = LEXICON_DIR / "bases.tsv"
    for n, r in _rows(path):
        add(Entity(r[0], r[1], BASE_KIND[r[3]], _split(r[2]), lat=_float(r[4]), lon=_float(r[5])), path, n)
    path = LEXICON_DIR / "cities.tsv"
    for n, r in _rows(path):
        add(Entity(r[0], r[1], "City", _split(r[2]), lat=_float(r[3]), lon=_float(r[4])), path, n)
    forces = {r[0]: r[1] for _, r in _rows(LEXICON_DIR / "forces.tsv")}
    return ents, forces


def parse_turtle(path: str | Path):
    """Parse a Turtle file with rdflib; a syntax error becomes an OntologyError naming file and line."""
    import rdflib

    g = rdflib.Graph()
    try:
        g.parse(str(path), format="turtle")
    except FileNotFoundError:
        raise OntologyError("file not found", path=path) from None
    except Exception as exc:  # rdflib raises BadSyntax and several other types
        why = getattr(exc, "_why", None) or str(exc).strip().splitlines()[-1]
        line = getattr(exc, "lines", None)  # rdflib's BadSyntax counts lines from 0
        if line is not None:
            line += 1
        else:
            m = re.search(r"line (\d+)", str(exc))
            line = int(m.group(1)) if m else None
        raise OntologyError(f"malformed Turtle: {why[:200]}", path=path, line=line) from None
    return g


def _load_concepts(path: Path) -> dict[str, Entity]:
    """Concept individuals (cooperation areas, threats, purposes, periods) from the ontology."""
    from rdflib.namespace import RDF, RDFS, SKOS

    from .namespaces import AKG as akg
    from .vocab import AKV as akv

    g = parse_turtle(path)
    out: dict[str, Entity] = {}
    kinds = ("CooperationArea", "Threat", "Purpose", "HistoricalPeriod")
    for s in sorted(set(g.subjects(RDF.type, None))):
        if not str(s).startswith(akv):
            continue
        types = [k for k in kinds if (s, RDF.type, akg[k]) in g]
        if not types:
            continue
        label = str(g.value(s, SKOS.prefLabel) or g.value(s, RDFS.label))
        alts = tuple(sorted(str(a) for a in g.objects(s, SKOS.altLabel)))
        sy = g.value(s, akg.startYear)
        ey = g.value(s, akg.endYear)
        local = str(s)[len(akv):]
        out[local] = Entity(
            id=local, label=label, kind=types[0], aliases=alts, iri=str(s),
            start_year=int(str(sy)) if sy is not None else None,
            end_year=int(str(ey)) if ey is not None else None, kinds=tuple(types),
        )
    return out


@lru_cache(maxsize=4)
def load_lexicon(ontology: Path | None = None) -> Lexicon:
    """Load the lexicon TSV files and the concept schemes of the ontology."""
    ents, forces = _load_tsv_entities()
    for cid, ent in _load_concepts(Path(ontology) if ontology else ONTOLOGY_FILE).items():
        if cid in ents:
            raise OntologyError(f"concept id '{cid}' clashes with a lexicon entity", path=ontology or ONTOLOGY_FILE)
        ents[cid] = ent
    return Lexicon(entities=ents, forces=forces)
