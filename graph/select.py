"""Select: which part of the entity graph a page shows, and how its nodes group.

:mod:`graph.export` turns the knowledge graph into NetworkX; this module chooses from that graph
(:mod:`graph.view` only renders what it is given):

- :func:`view_graph`: the whole entity graph, or the subgraph a named query returns (a CONSTRUCT
  query's triples, or the entities a SELECT query's rows name and the facts between them);
- :func:`prune_bookkeeping` and :func:`induced_by_terms`: the two ways a query result becomes a graph;
- :func:`concept_nodes`, :func:`country_groups`, :func:`community_groups`: the concepts an alliance
  covers (shown as its attributes rather than as nodes), and the clusters of the overview a big page
  opens on (by country, by type, by community).

>>> from graph.select import view_graph, country_groups
>>> G = view_graph("out/kg.ttl", query="shared-bases")           # doctest: +SKIP
>>> country_groups(G)["https://w3id.org/alliance-kg/id/incirlik-air-base"]   # doctest: +SKIP
'https://w3id.org/alliance-kg/id/turkey'
"""

from __future__ import annotations

from typing import Iterable

from .errors import KGError
from .vocab import BOOKKEEPING  # node types (statements, evidence, documents) a network view leaves out

#: node types that are concepts an alliance points at (SKOS concepts and periods): folded into the side panel
CONCEPT_TYPES = ("CooperationArea", "Threat", "Purpose", "HistoricalPeriod")
#: node types that stand at a place and belong to the country they are located in
PLACE_TYPES = ("City", "MilitaryBase", "AirBase", "NavalBase")


def view_graph(source="out/kg.ttl", query: str | None = None, params: dict[str, str] | None = None):
    """The graph a page shows: the entity graph, or the subgraph a named query returns.

    A CONSTRUCT query shows its result triples; a SELECT query shows the entity graph induced by
    the IRIs its rows contain.

    >>> V = view_graph("out/kg.ttl", query="shared-bases")         # doctest: +SKIP
    """
    from .export import from_triples, to_networkx
    from .stores import open_store

    store = open_store(source)
    base = to_networkx(store)
    if query is None:
        if params:
            raise KGError("--param needs --query")
        return base
    from .query import WrongQueryForm, resolve_query

    # graph.query binds the parameters (a VALUES block of serialised terms inside the WHERE
    # group) and refuses SPARQL Update and SERVICE: a page never changes or leaves the graph
    q = resolve_query(query)
    result = q.prepare(params or {}).run(store)
    if result.kind == "ask":
        raise WrongQueryForm(f"query '{q.name}' is an ASK query; kg view needs a CONSTRUCT or SELECT query")
    if result.kind == "select":
        terms = {t.value for sol in result.solutions() for t in sol if t is not None}
        G = induced_by_terms(base, terms)
    else:
        G = prune_bookkeeping(from_triples(result.triples(), store=store, base=base))
    G.graph["name"] = q.summary or q.name
    return G


def induced_by_terms(G, terms: Iterable[str]):
    """The subgraph of ``G`` on the nodes named in ``terms`` (e.g. the IRIs a SELECT query returns).

    >>> import networkx as nx
    >>> sorted(induced_by_terms(nx.MultiDiGraph([("a", "b"), ("b", "c")]), ["a", "b", "zz"]).edges())
    [('a', 'b')]
    """
    keep = sorted({t for t in terms if t in G})
    return G.subgraph(keep).copy()


def prune_bookkeeping(G):
    """Drop statement, evidence and document nodes and the parts that hang only off them.

    Their content is not lost: the entity edges carry the evidence. What remains is every weakly
    connected piece that holds at least one entity (a node that is not a literal or bookkeeping).

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("st", type="Statement"); G.add_node("a", type="Country"); G.add_node('"x"', type="Literal")
    >>> G.add_edge("st", "a"); G.add_edge("st", '"x"')
    0
    0
    >>> sorted(prune_bookkeeping(G))
    ['a']
    """
    import networkx as nx

    H = G.copy()
    H.remove_nodes_from([n for n, t in G.nodes(data="type") if t in BOOKKEEPING])
    for part in list(nx.weakly_connected_components(H)):
        if all(H.nodes[n].get("type") in ("Literal", "Entity") for n in part):
            H.remove_nodes_from(part)
    return H


# --------------------------------------------------------------------------- concepts and groups


def concept_nodes(G) -> set:
    """The concept nodes of ``G`` (areas, threats, purposes, periods) that hang only off other nodes.

    A concept is folded into the side panel of the nodes that point at it, so it is one only when
    every one of its edges comes in (it states nothing itself) and something points at it.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph([("nato", "cyber"), ("nato", "terror"), ("terror", "x")])
    >>> for n, t in [("nato", "MilitaryAlliance"), ("cyber", "CooperationArea"), ("terror", "Threat")]:
    ...     G.nodes[n]["type"] = t
    >>> concept_nodes(G)
    {'cyber'}
    """
    return {n for n, t in G.nodes(data="type") if t in CONCEPT_TYPES and G.in_degree(n) and not G.out_degree(n)}


def country_groups(G) -> dict:
    """``{node: country}`` for every country (itself) and every place located in one, directly or via a city.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("tr", type="Country"); G.add_node("adana", type="City"); G.add_node("inc", type="AirBase")
    >>> _ = G.add_edge("inc", "adana", key="locatedIn"); _ = G.add_edge("adana", "tr", key="locatedIn")
    >>> sorted(country_groups(G).items())
    [('adana', 'tr'), ('inc', 'tr'), ('tr', 'tr')]
    """
    kind = dict(G.nodes(data="type"))
    out = {n: n for n, t in kind.items() if t == "Country"}

    def countries_of(n, seen):
        found = []
        for _, place, k in sorted(G.out_edges(n, keys=True), key=lambda e: (str(e[1]), str(e[2]))):
            if k != "locatedIn" or place in seen:
                continue
            if kind.get(place) == "Country":
                found.append(place)
            elif kind.get(place) in PLACE_TYPES:
                found.extend(countries_of(place, seen | {place}))
        return found

    for n, t in kind.items():
        if t in PLACE_TYPES:
            found = countries_of(n, {n})
            if found:
                out[n] = min(found, key=str)  # a place in two countries: the first by IRI
    return out


def community_groups(G, seed: int = 7) -> dict:
    """``{node: index of its community}``: Louvain communities of the undirected projection, largest first.

    Deterministic for a seed; a node with no edge is a community of its own.

    >>> import networkx as nx
    >>> sorted(community_groups(nx.MultiDiGraph([("a", "b"), ("c", "d")])).items())
    [('a', 0), ('b', 0), ('c', 1), ('d', 1)]
    """
    import networkx as nx

    U = nx.Graph()
    U.add_nodes_from(sorted(map(str, G.nodes)))
    U.add_edges_from(sorted(((str(u), str(v)) for u, v in G.edges() if u != v)))
    parts = nx.community.louvain_communities(U, seed=seed) if U.number_of_edges() else [{n} for n in U]
    parts = sorted(parts, key=lambda c: (-len(c), min(map(str, c))))
    index = {str(n): n for n in G.nodes}
    return {index[n]: i for i, part in enumerate(parts) for n in part}
