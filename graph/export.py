"""Export: the knowledge graph as a NetworkX ``MultiDiGraph`` (and GraphML, GEXF, node-link JSON).

Nodes are the entities (countries, cities, bases, organisations, alliance networks, and the
concepts and periods that facts point at), keyed by IRI, with ``label``, ``type`` (the most
specific ontology class, e.g. ``AirBase``), ``types``, and where known ``wikidata``, ``lat``/``lon``,
``iso_code``, ``start_year``/``end_year`` and ``documents``. Literals, statement nodes, evidence
and documents are not nodes.

Edges come from the statement nodes: one edge per stated fact, keyed by the relation's local name,
with ``relation``, ``label`` (e.g. ``"hosts forces of"``), ``predicate``, ``statement`` and
``evidence``: a list of ``{document, title, path, section, rule, quote, start, end}``.

>>> G = to_networkx("out/kg.ttl")                                  # doctest: +SKIP
>>> G.nodes["https://w3id.org/alliance-kg/id/incirlik-air-base"]["type"]   # doctest: +SKIP
'AirBase'
>>> write_graph(G, "out/kg.graphml")                               # doctest: +SKIP

Any CONSTRUCT query's result can be turned into a graph as well (:func:`from_construct`). Choosing a
part of the graph to show (a query's subgraph, clusters) is :mod:`graph.select`'s.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

import networkx as nx

from .errors import KGError
from .stores import open_store

from .vocab import AKG as AKG_NS, BOOKKEEPING as _NOT_ENTITIES, RDF_TYPE, RDFS_LABEL, RELATIONS, SKOS_PREFLABEL
from .vocab import WGS_LAT, WGS_LONG, prefix_block

FORMATS = ("graphml", "gexf", "json")

_PREFIXES = "\n" + prefix_block(("akg", "rdfs", "prov", "oa", "dcterms", "wgs"))

_VALUES_RELATIONS = "VALUES ?p { " + " ".join(f"akg:{r}" for r in RELATIONS) + " }"

Q_STATEMENTS = _PREFIXES + """
SELECT ?st ?s ?p ?o ?sy ?ey WHERE {
  """ + _VALUES_RELATIONS + """
  ?st a akg:Statement ; akg:statementSubject ?s ; akg:statementProperty ?p ; akg:statementObject ?o .
  FILTER (isIRI(?s) && isIRI(?o))
  OPTIONAL { ?st akg:startYear ?sy }
  OPTIONAL { ?st akg:endYear ?ey }
}"""

Q_EVIDENCE = _PREFIXES + """
SELECT ?st ?ev ?doc ?title ?path ?section ?rule ?quote ?start ?end WHERE {
  ?st a akg:Statement ; prov:wasDerivedFrom ?ev .
  OPTIONAL { ?ev oa:hasSource ?doc .
             OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc akg:path ?path } }
  OPTIONAL { ?ev akg:section ?section }
  OPTIONAL { ?ev akg:rule ?rule }
  OPTIONAL { ?ev oa:hasSelector ?qs . ?qs a oa:TextQuoteSelector ; oa:exact ?quote }
  OPTIONAL { ?ev oa:hasSelector ?ps . ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }
}"""

Q_MENTIONED = _PREFIXES + """
SELECT ?e ?path WHERE {
  ?d akg:mentions ?e . FILTER (isIRI(?e))
  OPTIONAL { ?d akg:path ?path }
}"""

Q_TYPES = _PREFIXES + """
SELECT ?e ?t WHERE { ?e a ?t . FILTER (isIRI(?e) && STRSTARTS(STR(?t), STR(akg:))) }"""

#: one step, then ``*``: the pairs of ``?c rdfs:subClassOf+ ?super``, in a form Virtuoso also runs (it
#: refuses a ``+`` path with neither end bound: "transitive start not given")
Q_SUBCLASS = _PREFIXES + """
SELECT DISTINCT ?c ?super WHERE {
  ?c rdfs:subClassOf ?direct . ?direct rdfs:subClassOf* ?super . FILTER (isIRI(?c) && isIRI(?super))
}"""

Q_LABELS = _PREFIXES + """
SELECT ?e ?l WHERE { ?e rdfs:label ?l . FILTER (isIRI(?e) && isLiteral(?l)) }"""

Q_ATTRS = _PREFIXES + """
SELECT ?e ?p ?v WHERE {
  VALUES ?p { akg:wikidata wgs:lat wgs:long akg:isoCode akg:startYear akg:endYear }
  ?e ?p ?v . FILTER (isIRI(?e))
}"""

_ATTR_NAMES = {
    AKG_NS + "wikidata": "wikidata",
    WGS_LAT: "lat",
    WGS_LONG: "lon",
    AKG_NS + "isoCode": "iso_code",
    AKG_NS + "startYear": "start_year",
    AKG_NS + "endYear": "end_year",
}


# --------------------------------------------------------------------------- helpers


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``.

    >>> local_name("https://w3id.org/alliance-kg/ontology#AirBase")
    'AirBase'
    """
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def humanize(name: str) -> str:
    """A readable label from a camelCase or kebab-case name.

    >>> humanize("hostsForcesOf")
    'hosts forces of'
    >>> humanize("incirlik-air-base")
    'incirlik air base'
    """
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("-", " ").replace("_", " ").lower()


def _rows(store, text: str) -> list:
    """The solutions of one of this module's SELECT queries: ``sol["var"]`` is a term, None where unbound."""
    from .query import make_query

    return make_query(text, name="export").prepare().run(store).bindings()


def _value(term) -> str | None:
    return None if term is None else term.value


def _pick_label(labels: list[tuple[str, str]]) -> str:
    """Prefer a plain label, then English, then any; the smallest string of the best kind."""
    def rank(item):
        text, lang = item
        return (0 if not lang else 1 if lang.startswith("en") else 2, text)

    return min(labels, key=rank)[0]


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def most_specific(types: Iterable[str], supers: dict[str, set[str]]) -> str:
    """The most specific of an entity's classes (local names); ties broken alphabetically.

    >>> most_specific(["MilitaryBase", "AirBase"], {"AirBase": {"MilitaryBase", "Place"}})
    'AirBase'
    """
    types = sorted(set(types))
    if not types:
        return "Entity"
    ancestors = set().union(*(supers.get(t, set()) for t in types))
    leaves = [t for t in types if t not in ancestors]
    return (leaves or types)[0]


# --------------------------------------------------------------------------- entity graph


def _class_tree(store) -> dict[str, set[str]]:
    supers: dict[str, set[str]] = {}
    for sol in _rows(store, Q_SUBCLASS):
        c, s = sol["c"].value, sol["super"].value
        if c.startswith(AKG_NS) and s.startswith(AKG_NS):
            supers.setdefault(local_name(c), set()).add(local_name(s))
    return supers


def node_attributes(store, nodes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Label, type, types, iri, wikidata, lat/lon, iso_code, years and documents of each IRI in ``nodes``."""
    nodes = set(nodes)
    supers = _class_tree(store)
    types: dict[str, set[str]] = {n: set() for n in nodes}
    for sol in _rows(store, Q_TYPES):
        e = sol["e"].value
        if e in nodes:
            types[e].add(local_name(sol["t"].value))
    labels: dict[str, list[tuple[str, str]]] = {}
    for sol in _rows(store, Q_LABELS):
        e = sol["e"].value
        if e in nodes:
            labels.setdefault(e, []).append((sol["l"].value, sol["l"].language or ""))
    extra: dict[str, dict[str, list]] = {}
    for sol in _rows(store, Q_ATTRS):
        e = sol["e"].value
        if e in nodes:
            extra.setdefault(e, {}).setdefault(_ATTR_NAMES[sol["p"].value], []).append(sol["v"].value)
    docs: dict[str, set[str]] = {}
    for sol in _rows(store, Q_MENTIONED):
        e = sol["e"].value
        if e in nodes and sol["path"] is not None:
            docs.setdefault(e, set()).add(sol["path"].value)
    out = {}
    for n in sorted(nodes):
        attrs: dict[str, Any] = {
            "label": _pick_label(labels[n]) if n in labels else local_name(n),
            "type": most_specific(types[n], supers),
            "types": sorted(types[n]),
            "iri": n,
        }
        for key, values in sorted(extra.get(n, {}).items()):
            v = min(values)
            if key == "wikidata":
                attrs[key] = local_name(v)
            elif key in ("lat", "lon"):
                attrs[key] = float(v)
            elif key in ("start_year", "end_year"):
                attrs[key] = _number(v[:4] if re.match(r"^-?\d{4}", v) else v)
            else:
                attrs[key] = v
        if n in docs:
            attrs["documents"] = sorted(docs[n])
        out[n] = attrs
    return out


def _evidence(store) -> dict[str, list[dict[str, Any]]]:
    by_statement: dict[str, dict[str, dict[str, Any]]] = {}
    for sol in _rows(store, Q_EVIDENCE):
        st, ev = sol["st"].value, sol["ev"].value
        item = by_statement.setdefault(st, {}).setdefault(ev, {"evidence": ev})
        for key in ("doc", "title", "path", "section", "rule", "quote"):
            v = _value(sol[key])
            if v is not None:
                item["document" if key == "doc" else key] = v
        for key in ("start", "end"):
            v = _value(sol[key])
            if v is not None:
                item[key] = int(v)
    return {
        st: sorted(evs.values(), key=lambda e: (e.get("path", ""), e.get("start", -1), e.get("end", -1), e["evidence"]))
        for st, evs in by_statement.items()
    }


def _relation_labels(store) -> dict[str, str]:
    out = {}
    text = _PREFIXES + "SELECT ?p ?l WHERE { " + _VALUES_RELATIONS + " ?p rdfs:label ?l }"
    found: dict[str, list] = {}
    for sol in _rows(store, text):
        found.setdefault(sol["p"].value, []).append((sol["l"].value, sol["l"].language or ""))
    for r in RELATIONS:
        iri = AKG_NS + r
        out[iri] = _pick_label(found[iri]) if iri in found else humanize(r)
    return out


def statement_edges(store) -> list[tuple[str, str, str, dict[str, Any]]]:
    """``(subject, object, relation, attributes)`` for every statement of an exported relation, sorted."""
    rel_labels = _relation_labels(store)
    evidence = _evidence(store)
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for sol in _rows(store, Q_STATEMENTS):
        st, s, p, o = sol["st"].value, sol["s"].value, sol["p"].value, sol["o"].value
        rel = local_name(p)
        attrs = edges.setdefault((s, o, rel), {
            "relation": rel, "label": rel_labels[p], "predicate": p, "statement": st,
            "evidence": evidence.get(st, []),
        })
        for key in ("sy", "ey"):
            v = _value(sol[key])
            if v is not None:
                attrs["start_year" if key == "sy" else "end_year"] = _number(v[:4])
    return [(s, o, r, edges[(s, o, r)]) for s, o, r in sorted(edges)]


def to_networkx(source) -> nx.MultiDiGraph:
    """The entity graph of a graph file, store folder or store (see :func:`graph.stores.open_store`).

    Nodes: every entity a document mentions plus every end of an exported fact.
    Edges: one per stated fact (statement node), key = relation local name.
    """
    store = open_store(source)
    edges = statement_edges(store)
    nodes = {sol["e"].value for sol in _rows(store, Q_MENTIONED)}
    nodes |= {s for s, _, _, _ in edges} | {o for _, o, _, _ in edges}
    attrs = node_attributes(store, nodes)
    nodes = {n for n in nodes if attrs[n]["type"] not in _NOT_ENTITIES}
    G = nx.MultiDiGraph(name="alliance-kg")
    for n in sorted(nodes):
        G.add_node(n, **attrs[n])
    for s, o, rel, data in edges:
        if s in nodes and o in nodes:
            G.add_edge(s, o, key=rel, **data)
    return G


# --------------------------------------------------------------------------- CONSTRUCT results


def _term_key(term) -> str:
    """Node key of an RDF term: the IRI itself; ``_:id`` for blank nodes; N-Triples form for literals.

    A literal's key starts with a double quote, which no IRI can, so a literal never collides
    with an IRI of the same text.
    """
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)  # BlankNode -> _:id, Literal -> "text"@lang / "text"^^<dt>


def from_triples(triples: Iterable, store=None, base: nx.MultiDiGraph | None = None) -> nx.MultiDiGraph:
    """A graph from RDF triples (pyoxigraph terms), e.g. a CONSTRUCT query's result.

    ``rdf:type`` and ``rdfs:label``/``skos:prefLabel`` triples become node attributes; every other
    triple is an edge keyed by its predicate's local name, and a literal object becomes a node of type
    ``Literal``. Nodes and edges that are also in ``base`` (the entity graph, built from ``store`` when
    not given) take their attributes and evidence from there, so hovering shows the evidence too.
    """
    import pyoxigraph as ox

    if base is None and store is not None:
        base = to_networkx(store)
    base = base if base is not None else nx.MultiDiGraph()
    G = nx.MultiDiGraph(name="alliance-kg query")
    types: dict[str, set[str]] = {}
    labels: dict[str, list[tuple[str, str]]] = {}
    literal_nodes: dict[str, Any] = {}
    edges = set()
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        sk, pv = _term_key(s), p.value
        types.setdefault(sk, set())
        if pv == RDF_TYPE and isinstance(o, ox.NamedNode):
            types[sk].add(o.value)
        elif pv in (RDFS_LABEL, SKOS_PREFLABEL) and isinstance(o, ox.Literal):
            labels.setdefault(sk, []).append((o.value, o.language or ""))
        else:
            ok = _term_key(o)
            if isinstance(o, ox.Literal):
                literal_nodes[ok] = o
            else:
                types.setdefault(ok, set())
            edges.add((sk, ok, pv))
    others = [n for n in types if n not in base and not n.startswith("_:")]
    looked_up = node_attributes(store, others) if store is not None and others else {}
    for n in sorted(set(types) | set(literal_nodes)):
        if n in literal_nodes:
            lit = literal_nodes[n]
            G.add_node(n, label=lit.value, type="Literal", types=["Literal"], iri="")
        elif n in base:
            G.add_node(n, **base.nodes[n])
        elif n in looked_up:
            G.add_node(n, **looked_up[n])
        else:
            local = sorted(local_name(t) for t in types[n] if t.startswith(AKG_NS))
            G.add_node(n, label=local_name(n), type=local[0] if local else "Entity", types=local,
                       iri="" if n.startswith("_:") else n)
        if n in labels:
            G.nodes[n]["label"] = _pick_label(labels[n])
    for s, o, p in sorted(edges):
        rel = local_name(p)
        if base.has_edge(s, o, key=rel):
            G.add_edge(s, o, key=rel, **base.edges[s, o, rel])
        else:
            G.add_edge(s, o, key=rel, relation=rel, label=humanize(rel), predicate=p, evidence=[])
    return G


def from_construct(source, query: str) -> nx.MultiDiGraph:
    """The graph of a CONSTRUCT query's result over a graph file, store folder or Store."""
    from .query import WrongQueryForm, resolve_query

    store = open_store(source)
    result = resolve_query(query).prepare().run(store)
    if result.kind != "graph":  # ASK or SELECT
        raise WrongQueryForm("the query is not a CONSTRUCT (or DESCRIBE) query; it returns no triples")
    return from_triples(result.triples(), store=store)


# --------------------------------------------------------------------------- files


def _scalar(value):
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def flatten(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes are all scalars (lists and dicts as JSON strings; ``None`` dropped)."""
    H = nx.MultiDiGraph()
    H.graph.update({k: _scalar(v) for k, v in G.graph.items() if v is not None})
    for n, d in G.nodes(data=True):
        H.add_node(n, **{k: _scalar(v) for k, v in d.items() if v is not None})
    for u, v, k, d in G.edges(keys=True, data=True):
        H.add_edge(u, v, key=k, **{a: _scalar(b) for a, b in d.items() if b is not None})
    return H


def serialize_graph(G: nx.MultiDiGraph, fmt: str) -> bytes:
    """GraphML, GEXF or node-link JSON bytes, identical from run to run for the same graph."""
    if fmt == "json":
        data = nx.node_link_data(G, edges="edges")
        return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")
    if fmt == "graphml":
        return ("\n".join(nx.generate_graphml(flatten(G))) + "\n").encode("utf-8")
    if fmt == "gexf":
        text = "\n".join(nx.generate_gexf(flatten(G))) + "\n"
        return re.sub(r' lastmodifieddate="[^"]*"', "", text).encode("utf-8")
    raise KGError(f"unknown export format '{fmt}' (use {', '.join(FORMATS)})")


def write_graph(G: nx.MultiDiGraph, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``G`` atomically; the format defaults to the file's extension (.graphml, .gexf, .json)."""
    from .rdfio import write_atomic

    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    write_atomic(path, serialize_graph(G, fmt))
    return path


def read_graph(path: str | Path, fmt: str | None = None) -> nx.MultiDiGraph:
    """Read back a file written by :func:`write_graph` (attributes stay as written)."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    raise KGError(f"unknown export format '{fmt}' (use {', '.join(FORMATS)})", path=path)
