"""Hints for an empty answer: parameter values that match no entity, and the closest ones that do.

A typo in a parameter (``entity_iri=akr:turkye``, ``partner=Narnia``) gives a valid query with no
rows. :func:`parameter_hints` checks each bound value against the graph (an IRI against the
entities, a name against their labels, case aside) and names the closest matches:

>>> from graph.query import get_query, load_store
>>> store = load_store("out/kg.ttl")                                             # doctest: +SKIP
>>> parameter_hints(store, get_query("entity-facts").prepare({"entity_iri": "akr:turkye"}))  # doctest: +SKIP
["no entity 'akr:turkye'; did you mean akr:turkey (Turkey)?"]
"""

from __future__ import annotations

import difflib

from .library import make_query
from .params import parse_iri
from .results import compact_iri

#: every entity with a name: its IRI and each of its labels (values of the parameters are bound, never pasted)
_NAMES = make_query("""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?e ?label ?main WHERE {
  ?e rdfs:label|skos:prefLabel|skos:altLabel ?label .
  FILTER (isIRI(?e) && isLiteral(?label))
  OPTIONAL { ?e rdfs:label ?main }
}""", name="entity names")


#: whether a value is some named entity's IRI, or one of its names, case aside (asked first: the names
#: are fetched only for a value that matches none)
_IRI_NAMED = make_query("""#+ params: ?_iri (IRI, required) an entity
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
ASK { ?_iri rdfs:label|skos:prefLabel|skos:altLabel ?label . FILTER (isLiteral(?label)) }""", name="entity known")
_NAME_USED = make_query("""#+ params: ?_name (literal, required) a name
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
ASK { ?e rdfs:label|skos:prefLabel|skos:altLabel ?label .
      FILTER (isIRI(?e) && isLiteral(?label) && LCASE(STR(?label)) = LCASE(?_name)) }""", name="name known")


def _known(store, param, value: str, timeout: float | None) -> bool:
    """Whether the value surely names an entity (an ASK with the value bound; lower case equal implies
    case-folded equal, so a yes here is a yes below, and a no is decided by the names themselves)."""
    if param.kind == "iri":
        return _IRI_NAMED.prepare({"iri": value}).run(store, timeout=timeout).boolean
    if param.kind in ("literal", "string"):
        return _NAME_USED.prepare({"name": value}).run(store, timeout=timeout).boolean
    return True


def entity_names(store, timeout: float | None = None) -> list[tuple[str, str, str]]:
    """``(iri, a label, its main label)`` for every named entity of the store."""
    res = _NAMES.prepare().run(store, timeout=timeout)
    return [(r["e"], str(r["label"]), str(r.get("main") or r["label"])) for r in res.rows()]


def parameter_hints(store, prepared, timeout: float | None = None, n: int = 3) -> list[str]:
    """One line per bound parameter value that matches no entity of ``store``: an IRI that is no
    entity's, or a name that is no entity's label (case aside), with up to ``n`` close matches."""
    bindings = {p: v for p, v in prepared.bindings.items() if not _known(store, p, v, timeout)}
    if not bindings:
        return []
    names = entity_names(store, timeout)
    iris = {iri: main for iri, _label, main in names}
    labels = {label.casefold(): (iri, label) for iri, label, _main in names}
    hints = []
    for param, value in bindings.items():
        if param.kind == "iri":
            iri = parse_iri(value)
            if iri in iris:
                continue
            shown = {compact_iri(i): i for i in iris}
            close = difflib.get_close_matches(compact_iri(iri), list(shown), n=n, cutoff=0.6)
            options = [f"{c} ({iris[shown[c]]})" for c in close]
            hints.append(_hint(f"no entity '{value}'", options))
        elif param.kind in ("literal", "string"):
            if str(value).casefold() in labels:
                continue
            close = difflib.get_close_matches(str(value).casefold(), list(labels), n=n, cutoff=0.6)
            options = [f"'{labels[c][1]}' ({compact_iri(labels[c][0])})" for c in close]
            hints.append(_hint(f"parameter '{param.name}': no entity is named '{value}'", options))
    return hints


def _hint(what: str, options: list[str]) -> str:
    if not options:
        return what
    return f"{what}; did you mean {' or '.join(options)}?"


__all__ = ["entity_names", "parameter_hints"]
