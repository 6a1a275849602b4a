"""The streamed Turtle writer (graph.turtle) gives rdflib's Turtle byte for byte, and the external
sort (graph.extsort) gives ``sorted(set(lines))``: on real builds, on random graphs, and with sorts
forced to spill to several runs."""

from __future__ import annotations

import doctest
import io
import random
import tempfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.plugins.serializers.nt import _nt_row

from graph import extsort, turtle
from graph.errors import KGError
from graph.extsort import sorted_unique_lines, write_sorted_lines
from graph.rdfio import sorted_ntriples, stable_graphs
from graph.turtle import write_turtle
from graph.vocab import PREFIXES

TMP = tempfile.gettempdir()
XSD = "http://www.w3.org/2001/XMLSchema#"  # a str: rdflib's XSD namespace object warns when pytest looks into it


def project_namespaces() -> list[tuple[str, str]]:
    """The bindings of a built dataset: rdflib's defaults and the project's prefixes."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True, replace=True)
    return [(prefix, str(ns)) for prefix, ns in ds.namespaces()]


NAMESPACES = project_namespaces()


def rdflib_turtle(graphs, namespaces) -> bytes:
    """What ``serialize(ds, "turtle")`` writes: the union of the graphs, bound as the dataset was,
    through rdflib's Turtle serializer."""
    union = Graph()
    for prefix, ns in namespaces:
        union.bind(prefix, ns, override=True, replace=True)
    for g in graphs:
        union.addN((s, p, o, union) for s, p, o in g)
    return union.serialize(format="turtle").encode("utf-8")


def ours(lines, namespaces=NAMESPACES, **kw) -> tuple[bytes, int]:
    out = io.BytesIO()
    n = write_turtle(lines, out, namespaces, TMP, **kw)
    return out.getvalue(), n


# --------------------------------------------------------------------------- built graphs


def _build(folder):
    from graph.build import build_graph

    result = build_graph(folder)
    ds = result.dataset
    graphs = stable_graphs(ds)
    namespaces = [(p, str(ns)) for p, ns in ds.namespaces()]
    # each graph's lines, repeats across graphs kept, shuffled: the writer takes them in any order
    lines = [line for g in graphs for line in g.serialize(format="nt").split("\n") if line]
    random.Random(0).shuffle(lines)
    union = len({line for line in lines})
    return rdflib_turtle(graphs, namespaces), lines, namespaces, union


@pytest.fixture(scope="module")
def corpus_build():
    return _build("corpus")


@pytest.fixture(scope="module")
def generated_build(tmp_path_factory):
    from benchmarks.generate import generate_corpus

    folder = tmp_path_factory.mktemp("gen50")
    generate_corpus(folder, 50)
    return _build(folder / "corpus")


def test_corpus_build_same_bytes_as_rdflib(corpus_build):
    expected, lines, namespaces, union = corpus_build
    got, n = ours(lines, namespaces)
    assert got == expected
    assert n == union
    assert b"[] a owl:AllDisjointClasses ;" in got and b"@prefix akr: <https://w3id.org/alliance-kg/id/> ." in got


def test_eval_real_build_same_bytes_as_rdflib():
    expected, lines, namespaces, union = _build("eval/real")
    got, n = ours(lines, namespaces)
    assert got == expected
    assert n == union
    assert b'"""' in got  # a quote spanning lines, written triple-quoted


def test_generated_build_same_bytes_as_rdflib(generated_build):
    expected, lines, namespaces, union = generated_build
    got, n = ours(lines, namespaces)
    assert got == expected and n == union


def test_sorts_spilling_to_many_runs_give_the_same_bytes(generated_build, tmp_path):
    """A 64 KiB sort buffer (the lines are megabytes): every sort merges many runs from its scratch
    files, which are gone after."""
    expected, lines, namespaces, union = generated_build
    assert sum(map(len, lines)) > 20 * 65536
    out = io.BytesIO()
    assert write_turtle(lines, out, namespaces, tmp_path, buffer_size="64K") == union
    assert out.getvalue() == expected
    assert list(tmp_path.iterdir()) == []


def test_lines_with_their_newline_and_blank_lines(corpus_build):
    expected, lines, namespaces, _ = corpus_build
    got, _ = ours([line + "\n" for line in lines] + ["", "\n"], namespaces)
    assert got == expected


def test_sorted_lines_same_as_sorted_ntriples(generated_build):
    _, lines, _, union = generated_build
    out = io.BytesIO()
    assert write_sorted_lines(lines, out, TMP, buffer_size="64K") == union
    assert out.getvalue() == sorted_ntriples(lines)
    assert list(sorted_unique_lines(lines, TMP)) == sorted(set(lines))


# --------------------------------------------------------------------------- random graphs

LOCAL = st.lists(st.sampled_from(list("ab9_-.%()Z") + ["\u00e9", "\u4e2d", "%4", "%41"]), max_size=5).map("".join)
BASES = [ns for _, ns in NAMESPACES if ns.startswith("https://w3id.org/alliance-kg/")] + [
    str(RDFS), str(SKOS), str(OWL), "http://www.w3.org/ns/prov#", "https://schema.org/",
    "http://example.org/x/", "urn:x:", "https://w3id.org/alliance-kg/", "http://www.w3.org/ns/",
    "https://www.w3.org/2003/01/geo/wgs84_pos#",  # rdflib's own wgs namespace, rebound by the project
]
iris = st.builds(lambda ns, local: URIRef(ns + local), st.sampled_from(BASES), LOCAL)
AKR, AKG = "https://w3id.org/alliance-kg/id/", "https://w3id.org/alliance-kg/ontology#"
POOL = [URIRef(AKR + "a"), URIRef(AKR + "a-b"), URIRef(AKR + "a.b"), URIRef("http://example.org/x/a"),
        URIRef(AKG + "Thing"), RDFS.Class, RDF.nil, URIRef(AKR)]
subjects = st.one_of(st.sampled_from(POOL), iris)
#: predicates: in bound namespaces, and in one that is not (rdflib makes it ``ns1``; two it would
#: number in its hash order, from run to run; so no name that rdflib splits off before its start,
#: like ``akg:-a``, whose namespace would be ``...ontology#-``)
predicates = st.one_of(
    st.sampled_from([RDF.type, RDFS.label, RDFS.comment, SKOS.altLabel, URIRef(AKG + "p"), URIRef(AKG + "p-q"),
                     URIRef(AKG + "p.q"), URIRef("http://example.org/vocab#p"), URIRef("http://example.org/vocab#q")]),
    st.builds(lambda first, local: URIRef(AKG + first + local), st.sampled_from(["a", "Z", "9", "_", "\u00e9"]), LOCAL))
TEXT = st.lists(st.sampled_from(list('ab "\\\n\r\t\'\u00e9\u4e2d\x0b\x85\u2028\x00\x01') + ['"""', "a\nb"]),
                max_size=6).map("".join)
#: literals rdflib's ordering finds equal in value, or cannot tell apart
INTEGER, DECIMAL, BOOLEAN, STRING = (URIRef(XSD + t) for t in ("integer", "decimal", "boolean", "string"))
SAME_VALUE = [Literal("1", datatype=INTEGER), Literal("1.0", datatype=DECIMAL), Literal(1.0),
              Literal("01", datatype=INTEGER, normalize=False), Literal("1", datatype=DECIMAL),
              Literal("true", datatype=BOOLEAN), Literal("1", datatype=BOOLEAN),
              Literal("x", datatype=INTEGER), Literal("a"), Literal("a", datatype=STRING)]
WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
literals = st.one_of(
    st.builds(Literal, TEXT),
    st.builds(lambda t, lang: Literal(t, lang=lang), TEXT, st.sampled_from(["en", "en-US", "fr", "EN"])),
    st.builds(Literal, st.integers(-10**20, 10**20)),
    st.builds(lambda d: Literal(d, datatype=DECIMAL),
              st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1000, max_value=1000)),
    st.builds(Literal, st.booleans()),
    st.builds(Literal, st.floats(allow_nan=False, width=32)),
    st.builds(lambda t: Literal(t, datatype=STRING), TEXT),
    st.builds(lambda y: Literal(str(y), datatype=URIRef(XSD + "gYear")), st.integers(1000, 2100)),
    st.builds(lambda x, y: Literal(f"POINT({x} {y})", datatype=WKT),
              st.integers(-180, 180), st.integers(-90, 90)),
    st.sampled_from(SAME_VALUE),
)
triples = st.tuples(subjects, predicates, st.one_of(st.sampled_from(POOL), iris, literals, literals))
#: few subjects and predicates, many objects each: long object lists, literals ordered among themselves
dense = st.tuples(st.sampled_from(POOL[:3]), st.sampled_from([RDF.type, RDFS.label, URIRef(AKG + "p")]),
                  st.one_of(st.sampled_from(SAME_VALUE + POOL), literals))


def _compare(found: list, rnd: random.Random) -> None:
    rows = {_nt_row(t)[:-1]: t for t in found}
    # rdflib sorts each subject's objects of a predicate with its own ordering, which cannot tell some
    # literals apart (1 and 1.0): then the order they were added decides. The writer's answer is the
    # one rdflib gives when the triples are added in the order of their N-Triples lines.
    expected = rdflib_turtle([[rows[row] for row in sorted(rows)]], NAMESPACES)
    lines = list(rows) * 2
    rnd.shuffle(lines)
    got, n = ours(lines)
    assert got.decode("utf-8") == expected.decode("utf-8")
    assert n == len(rows)


@settings(derandomize=True, max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(triples, dense), max_size=30), st.randoms(use_true_random=False))
def test_random_graphs_same_bytes_as_rdflib(found, rnd):
    _compare(found, rnd)


def _blank_graph() -> Graph:
    g = Graph()
    g.parse(format="turtle", data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        akg:A a owl:Class ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty akg:p ; owl:someValuesFrom akg:B ] .
        [] a owl:AllDisjointClasses ; owl:members ( akg:A akg:B akg:C ) .
        akg:U owl:unionOf ( akg:A [ akg:q 1 ] ) ; akg:none () .
        _:shared akg:p 1 . akg:X akg:q _:shared . akg:Y akg:q _:shared , akg:A , "x" .
        [] a rdfs:Class ; rdfs:label "a blank class" .
        akg:K a rdfs:Class ; akg:q [ akg:r [ akg:s "deep" ] ] .
        _:c1 akg:next _:c2 . _:c2 akg:next _:c1 .
        _:n akg:self _:n .
        """)
    return to_canonical_graph(g)  # blank nodes labelled from their content, as stable_graphs does


def test_blank_nodes_lists_and_classes_same_bytes_as_rdflib():
    g = _blank_graph()
    assert any(isinstance(s, BNode) for s in g.subjects())
    _compare(list(g), random.Random(1))


@settings(derandomize=True, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(triples, max_size=15), st.randoms(use_true_random=False))
def test_blank_nodes_among_random_triples(found, rnd):
    _compare(list(_blank_graph()) + found, rnd)


# --------------------------------------------------------------------------- what the writer refuses


def test_a_list_going_on_through_an_iri_is_refused():
    lines = ["_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> <urn:x:a> .",
             "_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <urn:x:cell> .",
             "<urn:x:s> <urn:x:p> _:b1 ."]
    with pytest.raises(KGError, match=r"a list goes on through the IRI <urn:x:cell>"):
        ours(lines)


def test_an_iri_rdflib_cannot_write_is_an_error():
    with pytest.raises(KGError, match=r"<urn:x:\{a}> is not a valid IRI"):
        ours(["<urn:x:s> <urn:x:p> <urn:x:{a}> ."])


def test_a_prefix_rdflib_would_rename_is_refused():
    with pytest.raises(KGError, match=r"the prefix '_x' starts with '_'"):
        ours(["<urn:x:s> <urn:x:p> <urn:x:o> ."], [("_x", "urn:x:")])


def test_a_failing_sort_is_one_line_naming_it():
    with pytest.raises(KGError, match=r"^cannot sort: .*invalid -S argument 'lots'") as err:
        ours(["<urn:x:s> <urn:x:p> <urn:x:o> ."], buffer_size="lots")
    assert "\n" not in str(err.value)


def test_empty_graph():
    assert ours([]) == (rdflib_turtle([], NAMESPACES), 0) == (b"\n", 0)
    out = io.BytesIO()
    assert write_sorted_lines(["", " "], out, TMP) == 0 and out.getvalue() == sorted_ntriples([]) == b"\n"


# --------------------------------------------------------------------------- sorted lines


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=8), max_size=40))
def test_sorted_unique_lines_same_as_sorted_set(lines):
    expected = sorted_ntriples(lines)
    out = io.BytesIO()
    write_sorted_lines(lines, out, TMP, buffer_size="4K")
    assert out.getvalue() == expected
    assert list(sorted_unique_lines(lines, TMP)) == sorted({line for line in lines if line.strip()})


@pytest.mark.parametrize("module", [turtle, extsort])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
