"""The scaled validator (graph.validate_scaled) on a pyoxigraph store gives the findings that pyshacl over
the whole graph (graph.validate.validate_dataset) gives: the same report text, case by case."""

from __future__ import annotations

import re

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from conftest import ROOT
from graph.namespaces import AKG, AKR, OA

AKGSH = Namespace("https://w3id.org/alliance-kg/shapes#")
from graph.shacl_sparql import UnsupportedShape
from graph.validate import format_report, validate_dataset
from graph.validate_scaled import validate_store_scaled
from graph.validate_store_terms import dataset_store
from test_validate import CASES, DOC, INCIRLIK, NATO, STMT, STRICT, _evidence, _set, _whole_graph_breakage

#: The one difference: Oxigraph keeps numbers in canonical form, so a finding's value shows
#: "125"^^xsd:decimal where rdflib (and so pyshacl's report) shows the data's lexical form "125.000"
#: (the case that sets it: latitude-out-of-range)
LEXICAL, CANONICAL = '"125.000"^^xsd:decimal', '"125"^^xsd:decimal'


@pytest.fixture(scope="module")
def built_ds(built_trig) -> Dataset:
    ds = Dataset()
    ds.parse(str(built_trig), format="trig")
    return ds


def _copy(ds: Dataset) -> Dataset:
    """A copy whose triple patterns (``g.value``, ``in``, ``remove``) see every graph, as the edits expect."""
    out = Dataset(default_union=True)
    for s, p, o, c in ds.quads((None, None, None, None)):
        out.graph(getattr(c, "identifier", c)).add((s, p, o))
    return out


def _both(ds: Dataset, shapes=None) -> tuple[str, str]:
    """(pyshacl's report over the whole graph, the scaled validator's report on a store of the dataset)."""
    old = validate_dataset(ds) if shapes is None else validate_dataset(ds, shapes)
    store = dataset_store(ds)
    new = validate_store_scaled(store) if shapes is None else validate_store_scaled(store, shapes)
    assert new.shapes == old.shapes
    return format_report(old), format_report(new)


@pytest.mark.parametrize("name,edit", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_each_violation_case_gives_the_same_report(built_ds, name, edit):
    ds = _copy(built_ds)
    edit(ds)
    old, new = _both(ds)
    assert "Violation: " in old
    assert (LEXICAL in old) == (name == "latitude-out-of-range")
    assert new == old.replace(LEXICAL, CANONICAL)


def _camp(g):
    camp = AKR["camp-example"]
    g.add((camp, RDF.type, AKG.MilitaryBase))
    g.add((camp, RDFS.label, Literal("Camp Example")))
    g.add((DOC, AKG.mentions, camp))


def _every_entity_case(g):
    for _name, edit, (_sev, _shape, _c, focus, _v) in CASES:
        if focus is not None and not focus.startswith(("akr:stmt-", "<https://w3id.org/alliance-kg/ontology>")):
            edit(g)


def _statement_years(g):  # a statement is a focus node of an entity shape (akgsh:YearsShape)
    g.add((STMT, AKG.startYear, Literal("1999", datatype=XSD.gYear)))
    g.add((STMT, AKG.startYear, Literal("2001")))


def _located_in_a_document(g):  # an entity points to a document, which points on
    g.add((INCIRLIK, AKG.locatedIn, DOC))
    g.add((DOC, AKG.locatedIn, AKR.qatar))


def _two_labels(g):
    g.add((DOC, RDFS.label, Literal("Another label")))
    g.add((AKR.germany, RDFS.label, Literal("Deutschland")))


def _blank_selector(g):
    sel = BNode()
    g.add((_evidence(g), OA.hasSelector, sel))
    g.add((sel, RDF.type, OA.TextQuoteSelector))
    g.add((sel, OA.exact, Literal("")))
    g.add((sel, AKG.startYear, Literal("soon")))  # a blank heavy node as a focus node of an entity shape


def _mentioned_by_a_statement(g):
    g.add((STMT, AKG.mentions, NATO))
    g.add((INCIRLIK, AKG.memberOf, AKR.germany))


EXTRA = [("base-without-country-or-fact", _camp), ("every-entity-case-at-once", _every_entity_case),
         ("whole-graph-breakage", _whole_graph_breakage), ("statement-with-years", _statement_years),
         ("located-in-a-document", _located_in_a_document), ("two-labels", _two_labels),
         ("blank-node-selector", _blank_selector), ("mentioned-by-a-statement", _mentioned_by_a_statement)]


@pytest.mark.parametrize("name,edit", EXTRA, ids=[e[0] for e in EXTRA])
def test_more_broken_graphs_give_the_same_report(built_ds, name, edit):
    ds = _copy(built_ds)
    edit(ds)
    old, new = _both(ds)
    assert old and new == old.replace(LEXICAL, CANONICAL)


def test_a_statement_breaks_an_entity_shape_with_its_evidence(built_ds):
    ds = _copy(built_ds)
    _statement_years(ds)
    _old, new = _both(ds)
    stmt = f"akr:{STMT[len(AKR):]}"
    sentence = ('  evidence: "As an example, the German forces are based in Incirlik Air Base, in NATO ally Turkey, '
                'reflecting a broader strategic alliance."')
    assert new.splitlines() == [
        f"Violation: {stmt}  akg:startYear", "  akg:startYear is one xsd:gYear.  [akgsh:YearsShape, maxCount]",
        sentence,
        f"Violation: {stmt}  akg:startYear = '2001'", "  akg:startYear is one xsd:gYear.  [akgsh:YearsShape, datatype]",
        sentence]


def test_other_shapes_give_the_same_report(built_ds, tmp_path):
    shapes = tmp_path / "strict.ttl"
    shapes.write_text(STRICT, encoding="utf-8")
    old, new = _both(_copy(built_ds), shapes)
    assert "A country needs a population." in old and new == old


def test_the_corpus_graph_conforms_on_both(built_ds):
    assert _both(built_ds) == ("", "")


def test_the_real_documents_give_the_same_report():
    from graph.build import build_graph

    ds = build_graph(ROOT / "eval" / "real" / "docs", validate=False).dataset
    assert len(ds) > 5000
    old, new = _both(ds)
    assert new == old


# --------------------------------------------------------------------------- each compiled component

EX = "http://example.org/"
TINY_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:message "A thing." ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ; sh:minLength 2 ;
                  sh:pattern "^[A-Z]" ; sh:message "One name." ] ,
                [ sh:path ex:size ; sh:datatype xsd:integer ; sh:minInclusive 0 ; sh:maxInclusive 10 ;
                  sh:severity sh:Warning ; sh:message "Size 0..10." ] ,
                [ sh:path ex:link ; sh:nodeKind sh:IRI ; sh:class ex:Other ; sh:message "Links to others." ] ,
                [ sh:path ex:kind ; sh:or ( [ sh:class ex:A ] [ sh:class ex:B ] ) ; sh:message "A or B." ] ,
                [ sh:path [ sh:inversePath ex:has ] ; sh:qualifiedValueShape [ sh:class ex:Owner ] ;
                  sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ; sh:message "One owner." ] ,
                [ sh:path ex:tag ; sh:minCount 2 ; sh:maxCount 3 ; sh:message "Two or three tags." ] .
ex:NotedShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:class ex:Labelled ;
    sh:message "Labelled things with a note." ;
    sh:property [ sh:path [ sh:alternativePath ( [ sh:inversePath ex:about ] ex:see ) ] ;
                  sh:qualifiedValueShape ex:NoteShape ; sh:qualifiedMinCount 1 ; sh:severity sh:Info ;
                  sh:message "A note with text." ] .
ex:NoteShape a sh:NodeShape ; sh:message "A note." ; sh:property [ sh:path ex:text ; sh:minCount 1 ] .
"""
TINY_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> ex:Thing .
ex:good a ex:Sub, ex:Labelled ; ex:name "Good" ; ex:size 3 ; ex:link ex:o ; ex:kind ex:b ; ex:tag 1, 2 .
ex:o a ex:Other . ex:b a ex:B . ex:w a ex:Owner ; ex:has ex:good .
ex:bad a ex:Thing ; ex:name "x", "Y"@en ; ex:size 11, -1, "2" ; ex:link "lit", ex:nothing ; ex:kind ex:o ;
    ex:tag 1, 2, 3, 4 .
ex:w1 a ex:Owner ; ex:has ex:bad . ex:w2 a ex:Owner ; ex:has ex:bad .
ex:lonely a ex:Thing, ex:Labelled ; ex:name "Lonely" ; ex:tag 1 .
ex:n1 ex:about ex:good ; ex:text "a note" . ex:bad ex:see ex:n2 . ex:n2 ex:about ex:lonely .
"""
TINY_EXPECTED = """\
Violation: ex:bad  value ex:bad
  Labelled things with a note.  [ex:NotedShape, class]
Violation: ex:bad  ^ex:has
  One owner.  [ex:ThingShape, qualifiedMaxCount]
Violation: ex:bad  ex:kind = ex:o
  A or B.  [ex:ThingShape, or]
Violation: ex:bad  ex:link = 'lit'
  Links to others.  [ex:ThingShape, class]
Violation: ex:bad  ex:link = 'lit'
  Links to others.  [ex:ThingShape, nodeKind]
Violation: ex:bad  ex:link = ex:nothing
  Links to others.  [ex:ThingShape, class]
Violation: ex:bad  ex:name
  One name.  [ex:ThingShape, maxCount]
Violation: ex:bad  ex:name = 'Y'
  One name.  [ex:ThingShape, datatype]
Violation: ex:bad  ex:name = 'Y'
  One name.  [ex:ThingShape, minLength]
Violation: ex:bad  ex:name = 'x'
  One name.  [ex:ThingShape, minLength]
Violation: ex:bad  ex:name = 'x'
  One name.  [ex:ThingShape, pattern]
Violation: ex:bad  ex:tag
  Two or three tags.  [ex:ThingShape, maxCount]
Violation: ex:lonely  ^ex:has
  One owner.  [ex:ThingShape, qualifiedMinCount]
Violation: ex:lonely  ex:tag
  Two or three tags.  [ex:ThingShape, minCount]
Warning: ex:bad  ex:size = "-1"^^xsd:integer
  Size 0..10.  [ex:ThingShape, minInclusive]
Warning: ex:bad  ex:size = "11"^^xsd:integer
  Size 0..10.  [ex:ThingShape, maxInclusive]
Warning: ex:bad  ex:size = '2'
  Size 0..10.  [ex:ThingShape, datatype]
Warning: ex:bad  ex:size = '2'
  Size 0..10.  [ex:ThingShape, maxInclusive]
Warning: ex:bad  ex:size = '2'
  Size 0..10.  [ex:ThingShape, minInclusive]
Info: ex:bad  (^ex:about|ex:see)
  A note with text.  [ex:NotedShape, qualifiedMinCount]
Info: ex:lonely  (^ex:about|ex:see)
  A note with text.  [ex:NotedShape, qualifiedMinCount]"""


def _tiny(shapes_text: str, data_text: str) -> tuple[Graph, Dataset]:
    shapes = Graph().parse(data=shapes_text, format="turtle")
    shapes.bind("ex", EX)
    ds = Dataset()
    ds.graph(URIRef(EX + "g")).parse(data=data_text, format="turtle")
    return shapes, ds


def test_each_compiled_component_reports_what_pyshacl_reports():
    shapes, ds = _tiny(TINY_SHAPES, TINY_DATA)
    new = validate_store_scaled(dataset_store(ds), shapes, heavy=(URIRef(EX + "Thing"),))
    assert re.sub(r"<http://example\.org/([^>]*)>", r"ex:\1", format_report(new)) == TINY_EXPECTED
    assert format_report(new) == format_report(validate_dataset(ds, shapes))


@pytest.mark.parametrize("constraint,named", [
    ("sh:maxLength 3", "sh:maxLength"), ("sh:node ex:Other", "sh:node"), ("sh:hasValue ex:x", "sh:hasValue"),
    ("sh:datatype xsd:date", "sh:datatype xsd:date"), ("sh:disjoint ex:other", "sh:disjoint")])
def test_a_component_the_compiler_does_not_know_is_an_error(constraint, named):
    text = f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ex:DocShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:message "m" ;
        sh:property [ sh:path ex:name ; {constraint} ; sh:message "p" ] ."""
    shapes, ds = _tiny(text, "<http://example.org/a> a <http://example.org/Thing> .")
    with pytest.raises(UnsupportedShape) as err:
        validate_store_scaled(dataset_store(ds), shapes, heavy=(URIRef(EX + "Thing"),))
    message = str(err.value)
    assert message.startswith(f"shape ex:DocShape (property ex:name) uses {named}, which the scaled validator does not "
                              "compile to SPARQL")


def test_an_unsupported_heavy_shape_names_its_node_shape_and_the_shapes_file(tmp_path):
    bad = tmp_path / "shapes.ttl"
    text = (ROOT / "ontology" / "shapes.ttl").read_text(encoding="utf-8")
    bad.write_text(text.replace("sh:minLength 1 ;", "sh:minLength 1 ; sh:uniqueLang true ;", 1), encoding="utf-8")
    with pytest.raises(UnsupportedShape) as err:
        validate_store_scaled(dataset_store(Dataset()), bad)
    assert err.value.path == str(bad)
    assert err.value.message == ("shape akgsh:TextQuoteSelectorShape (property oa:exact) uses sh:uniqueLang, which "
                                 "the scaled validator does not compile to SPARQL; validate this graph with pyshacl "
                                 "(graph.validate)")


COUNTS_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:CountShape a sh:NodeShape ;
    sh:targetClass ex:Thing ; sh:targetNode ex:named ; sh:targetSubjectsOf ex:flag ; sh:targetObjectsOf ex:points ;
    sh:message "Counted." ;
    sh:property [ sh:path ex:tag ; sh:minCount 3 ; sh:message "Three tags or more." ] ,
                [ sh:path ex:secret ; sh:maxCount 0 ; sh:message "No secret." ] ,
                [ sh:path ex:code ; sh:pattern "^ab" ; sh:flags "i" ; sh:minLength 0 ; sh:message "Codes start ab." ] ,
                [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:Part ] ; sh:qualifiedMaxCount 2 ;
                  sh:message "Two parts at most." ] ,
                [ sh:path ex:kind ; sh:or ( [ sh:class ex:A ] [ sh:deactivated true ; sh:class ex:B ] ) ;
                  sh:message "Anything goes." ] .
"""
COUNTS_DATA = """
@prefix ex: <http://example.org/> .
ex:t a ex:Thing ; ex:tag 1, 2 ; ex:secret "s" ; ex:code "ABc", "xab" ; ex:part ex:p1, ex:p2, ex:p3 ; ex:kind ex:z .
ex:p1 a ex:Part . ex:p2 a ex:Part . ex:p3 a ex:Part .
ex:named ex:tag 1, 2, 3 .
ex:f ex:flag true ; ex:tag 1, 2, 3, 4 ; ex:code "ab" .
ex:x ex:points "a literal", ex:o .
"""
COUNTS_EXPECTED = """\
Violation: 'a literal'  ex:tag
  Three tags or more.  [ex:CountShape, minCount]
Violation: ex:o  ex:tag
  Three tags or more.  [ex:CountShape, minCount]
Violation: ex:t  ex:code = 'xab'
  Codes start ab.  [ex:CountShape, pattern]
Violation: ex:t  ex:part
  Two parts at most.  [ex:CountShape, qualifiedMaxCount]
Violation: ex:t  ex:secret
  No secret.  [ex:CountShape, maxCount]
Violation: ex:t  ex:tag
  Three tags or more.  [ex:CountShape, minCount]"""


def test_target_kinds_and_counts_report_what_pyshacl_reports():
    shapes, ds = _tiny(COUNTS_SHAPES, COUNTS_DATA)
    new = validate_store_scaled(dataset_store(ds), shapes, heavy=(URIRef(EX + "Thing"),))
    assert re.sub(r"<http://example\.org/([^>]*)>", r"ex:\1", format_report(new)) == COUNTS_EXPECTED
    assert format_report(new) == format_report(validate_dataset(ds, shapes))


def test_a_broken_sparql_check_names_the_shapes_file(tmp_path):
    from graph.errors import OntologyError

    text = (ROOT / "ontology" / "shapes.ttl").read_text(encoding="utf-8")
    bad = tmp_path / "shapes.ttl"
    bad.write_text(text.replace("FILTER (xsd:integer(STR(?end))", "FILTER (xsd:integer(STR(?end)", 1), encoding="utf-8")
    with pytest.raises(OntologyError) as err:
        validate_store_scaled(dataset_store(Dataset()), bad)
    assert err.value.path == str(bad) and err.value.message.startswith("invalid shapes: SPARQL constraint: ")


# --------------------------------------------------------------------------- the spool, in batches

def _spool_of(ds: Dataset, rehome: bool = False):
    """A QuadSpool of a dataset's graphs; with ``rehome``, each triple of the default graph (the cases'
    edits) goes to the graph where its subject's other triples are, as a build would write it."""
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from graph.spool import QuadSpool
    from graph.validate_spool import DOC_GRAPH_PREFIX

    graphs: dict = {}
    for s, p, o, c in ds.quads((None, None, None, None)):
        graphs.setdefault(str(getattr(c, "identifier", c) or DATASET_DEFAULT_GRAPH_ID), Graph()).add((s, p, o))
    if rehome and str(DATASET_DEFAULT_GRAPH_ID) in graphs:
        edits = graphs.pop(str(DATASET_DEFAULT_GRAPH_ID))
        for s, p, o in edits:
            home = next((g for g, t in graphs.items() if g.startswith(DOC_GRAPH_PREFIX) and (s, None, None) in t
                         and p != PROV_DERIVED), "https://w3id.org/alliance-kg/graph/entities")
            graphs.setdefault(home, Graph()).add((s, p, o))
    spool = QuadSpool()
    for g, triples in sorted(graphs.items()):
        spool.add_graph(g, [line for line in triples.serialize(format="nt").splitlines() if line.strip()])
    return spool


PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def _spool_report(ds: Dataset, rehome: bool, batch_quads: int = 60, jobs: int = 1) -> str:
    from graph.validate_spool import validate_spool

    spool = _spool_of(ds, rehome)
    try:
        return format_report(validate_spool(spool, batch_quads=batch_quads, jobs=jobs))
    finally:
        spool.close()


@pytest.mark.parametrize("name,edit", [(c[0], c[1]) for c in CASES] + EXTRA, ids=[c[0] for c in CASES] + [e[0] for e in EXTRA])
def test_the_spool_validator_gives_the_same_report(built_ds, name, edit):
    ds = _copy(built_ds)
    edit(ds)
    old = format_report(validate_dataset(ds)).replace(LEXICAL, CANONICAL)
    assert old
    assert _spool_report(ds, rehome=False) == old
    assert _spool_report(ds, rehome=True) == old
    assert _spool_report(ds, rehome=True, batch_quads=10**6) == old
    assert _spool_report(ds, rehome=False, jobs=2) == old  # the batches checked by two forked processes


def test_the_spool_validator_on_the_corpus_graph(built_ds):
    assert _spool_report(built_ds, rehome=False) == ""


def test_the_built_graph_is_validated_in_batches_without_the_whole_store(built_ds, monkeypatch):
    import graph.validate_spool as vs

    def whole_store(*_a, **_k):
        raise AssertionError("fell back to one store")

    monkeypatch.setattr(vs, "validate_store_scaled", whole_store)
    assert _spool_report(built_ds, rehome=False, batch_quads=1) == ""


def _move(ds: Dataset, triple, to: str) -> None:
    for c in list(ds.graphs()):
        if triple in c:
            c.remove(triple)
    ds.graph(URIRef(to)).add(triple)


def test_a_statement_whose_evidence_is_in_another_batch_loses_no_finding(built_ds):
    from graph.validate_spool import DOC_GRAPH_PREFIX

    ds = _copy(built_ds)
    evidence = _evidence(ds)
    home = next(str(c.identifier) for c in ds.graphs() if (evidence, RDF.type, AKG.Evidence) in c)
    other = next(str(c.identifier) for c in ds.graphs()
                 if str(c.identifier).startswith(DOC_GRAPH_PREFIX) and str(c.identifier) != home)
    _move(ds, (STMT, PROV_DERIVED, evidence), other)  # the link in one document's graph, the evidence in another's
    assert format_report(validate_dataset(ds)) == ""
    assert _spool_report(ds, rehome=False, batch_quads=1) == ""
    ds.remove((evidence, OA.hasSource, None))  # and a finding about that evidence, seen from the statement's batch
    old = format_report(validate_dataset(ds))
    assert "Evidence has exactly one source document" in old
    assert _spool_report(ds, rehome=False, batch_quads=1) == old


# --------------------------------------------------------------------------- what the global store holds


def _global_of(ds: Dataset, shapes=None, batch_quads: int = 60):
    """The report of the spool validator, and the global store it built (its quads, as text)."""
    import graph.validate_spool as vs

    made = []
    real = vs._global_store

    def keep(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    spool = _spool_of(ds)
    try:
        vs._global_store = keep
        report = vs.validate_spool(spool, shapes if shapes is not None else vs.SHAPES_FILE, batch_quads=batch_quads)
    finally:
        vs._global_store = real
        spool.close()
    assert len(made) == 1
    return format_report(report), {str(q) for q in made[0]}


def test_the_global_store_holds_one_evidence_link_per_statement(built_ds):
    report, quads = _global_of(built_ds)
    assert report == ""
    built_ds = _copy(built_ds)  # its triple patterns see every graph
    statements = set(built_ds.subjects(RDF.type, AKG.Statement))
    linked = [q for q in quads if q.split(" ")[1] == f"<{PROV_DERIVED}>"]
    assert len(linked) == len(statements)
    assert sum(1 for _ in built_ds.quads((None, PROV_DERIVED, None, None))) > len(statements)
    # a document mentions an entity: one such link per entity is kept, of documents that are akg:Document
    mentions = [q for q in quads if q.split(" ")[1] == f"<{AKG.mentions}>"]
    mentioned = set(built_ds.objects(None, AKG.mentions))
    assert len(mentions) == len(mentioned) < sum(1 for _ in built_ds.quads((None, AKG.mentions, None, None)))
    # the inferred schema:mentions of the documents are read by no check: not in the store
    assert not [q for q in quads if q.split(" ")[1] == "<https://schema.org/mentions>"]


def test_links_a_shape_counts_are_all_kept(built_ds):
    """A shape that counts a statement's evidence (sh:maxCount) needs every link: none is thinned."""
    from graph.validate_load import load_shapes

    shapes = load_shapes()
    ps = next(o for o in shapes.objects(AKGSH.StatementShape, SH.property)
              if shapes.value(o, SH.path) == PROV_DERIVED)
    shapes.add((ps, SH.maxCount, Literal(1)))
    ds = _copy(built_ds)
    old = format_report(validate_dataset(ds, shapes=shapes)).replace(LEXICAL, CANONICAL)
    assert "maxCount" in old
    report, quads = _global_of(ds, shapes)
    assert report == old
    assert len([q for q in quads if q.split(" ")[1] == f"<{PROV_DERIVED}>"]) == sum(1 for _ in built_ds.quads((None, PROV_DERIVED, None, None)))


def test_a_sparql_check_reading_any_triple_keeps_every_triple(built_ds):
    from graph.validate_load import load_shapes

    shapes = load_shapes()
    check = BNode()
    shapes.add((AKGSH.GraphIntegrityShape, SH.sparql, check))
    shapes.add((check, RDF.type, SH.SPARQLConstraint))
    shapes.add((check, SH.message, Literal("{?value} mentions too much.")))
    shapes.add((check, SH.select, Literal(
        "SELECT $this ?value WHERE { ?value ?p ?o . FILTER(?p = <https://schema.org/mentions>) "
        "FILTER(?o = <https://w3id.org/alliance-kg/id/nato>) }")))
    ds = _copy(built_ds)
    old = format_report(validate_dataset(ds, shapes=shapes))
    assert "mentions too much" in old
    report, quads = _global_of(ds, shapes)
    assert report == old
    assert [q for q in quads if q.split(" ")[1] == "<https://schema.org/mentions>"]


def test_a_blank_node_in_a_document_graph_is_validated_on_one_store(built_ds, monkeypatch):
    """The batches assume no blank node in the documents' graphs (read in their text): one there sends
    the spool to the one-store validator, whose report is pyshacl's."""
    import graph.validate_spool as vs

    ds = _copy(built_ds)
    _blank_selector(ds)
    old = format_report(validate_dataset(ds)).replace(LEXICAL, CANONICAL)
    calls = []
    real = vs.validate_store_scaled
    monkeypatch.setattr(vs, "validate_store_scaled", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert _spool_report(ds, rehome=True) == old
    assert calls == [1]
