"""Validation: the SHACL shapes catch each kind of broken graph, and `kg build` writes nothing then."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH, XSD

from conftest import CORPUS, ROOT, run_kg
from graph.build import statement_iri
from graph.namespaces import AKG, AKR, AKV, INFERRED_GRAPH, OA, ONTOLOGY_GRAPH, WGS
from graph.validate import SHAPES_FILE, load_shapes, validate_file

INCIRLIK, GERMANY, TURKEY, NATO, QATAR = (AKR[x] for x in ("incirlik-air-base", "germany", "turkey", "nato", "qatar"))
ONTOLOGY_NODE = "<https://w3id.org/alliance-kg/ontology>"  # whole-graph checks target the ontology node
DOC = AKR["doc-shared-military-bases"]
STMT = statement_iri(INCIRLIK, AKG.hostsForcesOf, GERMANY)
SENT_GER = ("As an example, the German forces are based in Incirlik Air Base, in NATO ally Turkey, reflecting a "
            "broader strategic alliance.")


def _evidence(g: Graph) -> URIRef:
    return g.value(STMT, PROV.wasDerivedFrom)


def _selector(g: Graph, kind: URIRef) -> URIRef:
    return next(s for s in g.objects(_evidence(g), OA.hasSelector) if (s, RDF.type, kind) in g)


def _set(g: Graph, s, p, o) -> None:
    g.remove((s, p, None))
    g.add((s, p, o))


# Each case: (name, edit of the built graph, expected (severity, shape, constraint, focus, value or None)).
CASES = [
    ("base-in-two-countries", lambda g: g.add((INCIRLIK, AKG.locatedIn, GERMANY)),
     ("Violation", "akgsh:MilitaryBaseShape", "qualifiedMaxCount", "akr:incirlik-air-base", None)),
    ("base-in-two-countries-through-a-city", lambda g: (
        g.add((INCIRLIK, AKG.locatedIn, AKR.manama)), g.add((AKR.manama, RDF.type, AKG.City)),
        g.add((AKR.manama, RDFS.label, Literal("Manama"))), g.add((DOC, AKG.mentions, AKR.manama)),
        g.add((AKR.manama, AKG.locatedIn, QATAR))),
     ("Violation", "akgsh:MilitaryBaseShape", "qualifiedMaxCount", "akr:incirlik-air-base", None)),
    ("hosts-forces-of-an-organisation", lambda g: g.add((INCIRLIK, AKG.hostsForcesOf, NATO)),
     ("Violation", "akgsh:HostsForcesOfShape", "class", "akr:incirlik-air-base", "akr:nato")),
    ("country-hosts-forces", lambda g: g.add((TURKEY, AKG.hostsForcesOf, GERMANY)),
     ("Violation", "akgsh:HostsForcesOfShape", "class", "akr:turkey", None)),
    ("member-of-a-country", lambda g: g.add((TURKEY, AKG.memberOf, GERMANY)),
     ("Violation", "akgsh:MembershipShape", "class", "akr:turkey", "akr:germany")),
    ("base-as-member", lambda g: g.add((INCIRLIK, AKG.memberOf, NATO)),
     ("Violation", "akgsh:MembershipShape", "or", "akr:incirlik-air-base", None)),
    ("allied-with-an-organisation", lambda g: g.add((TURKEY, AKG.alliedWith, NATO)),
     ("Violation", "akgsh:AlliedWithShape", "class", "akr:turkey", "akr:nato")),
    ("country-located-in-a-country", lambda g: g.add((TURKEY, AKG.locatedIn, GERMANY)),
     ("Violation", "akgsh:LocatedInShape", "or", "akr:turkey", None)),
    ("covers-a-threat", lambda g: g.add((NATO, AKG.coversArea, AKV.terrorism)),
     ("Violation", "akgsh:AllianceConceptShape", "class", "akr:nato", "akv:terrorism")),
    ("wikidata-page-not-entity", lambda g: _set(g, TURKEY, AKG.wikidata, URIRef("https://www.wikidata.org/wiki/Q43")),
     ("Violation", "akgsh:WikidataShape", "pattern", "akr:turkey", "<https://www.wikidata.org/wiki/Q43>")),
    ("wikidata-literal", lambda g: _set(g, GERMANY, AKG.wikidata, Literal("Q183")),
     ("Violation", "akgsh:WikidataShape", "nodeKind", "akr:germany", "'Q183'")),
    ("latitude-out-of-range", lambda g: _set(g, QATAR, WGS.lat, Literal("125.000", datatype=XSD.decimal)),
     ("Violation", "akgsh:CoordinatesShape", "maxInclusive", "akr:qatar", None)),
    ("entity-without-label", lambda g: g.remove((GERMANY, RDFS.label, None)),
     ("Violation", "akgsh:EntityShape", "minCount", "akr:germany", None)),
    ("entity-mentioned-by-no-document", lambda g: g.remove((None, AKG.mentions, GERMANY)),
     ("Violation", "akgsh:EntityShape", "minCount", "akr:germany", None)),
    ("entity-mentioned-by-a-non-document", lambda g: g.add((NATO, AKG.mentions, GERMANY)),
     ("Violation", "akgsh:EntityShape", "class", "akr:germany", "akr:nato")),
    ("statement-without-evidence", lambda g: g.remove((STMT, PROV.wasDerivedFrom, None)),
     ("Violation", "akgsh:StatementShape", "minCount", "akr:" + STMT[len(AKR):], None)),
    ("statement-without-object", lambda g: g.remove((STMT, AKG.statementObject, None)),
     ("Violation", "akgsh:StatementShape", "minCount", None, None)),
    ("statement-with-undeclared-property", lambda g: _set(g, STMT, AKG.statementProperty, AKG.bogus),
     ("Violation", "akgsh:StatementShape", "or", None, "akg:bogus")),
    ("statement-without-direct-triple", lambda g: g.remove((INCIRLIK, AKG.hostsForcesOf, GERMANY)),
     ("Violation", "akgsh:GraphIntegrityShape", "sparql", ONTOLOGY_NODE, None)),
    ("evidence-without-source", lambda g: g.remove((_evidence(g), OA.hasSource, None)),
     ("Violation", "akgsh:EvidenceShape", "minCount", None, None)),
    ("evidence-without-quote", lambda g: g.remove((_evidence(g), OA.hasSelector, _selector(g, OA.TextQuoteSelector))),
     ("Violation", "akgsh:EvidenceShape", "qualifiedMinCount", None, None)),
    ("empty-quote", lambda g: _set(g, _selector(g, OA.TextQuoteSelector), OA.exact, Literal("")),
     ("Violation", "akgsh:TextQuoteSelectorShape", "minLength", None, None)),
    ("offsets-beyond-the-document", lambda g: _set(g, _selector(g, OA.TextPositionSelector), OA.end,
                                                   Literal(int(g.value(DOC, AKG.characterCount)) + 5)),
     ("Violation", "akgsh:GraphIntegrityShape", "sparql", ONTOLOGY_NODE, None)),
    ("start-not-before-end", lambda g: _set(g, _selector(g, OA.TextPositionSelector), OA.start,
                                            g.value(_selector(g, OA.TextPositionSelector), OA.end)),
     ("Violation", "akgsh:GraphIntegrityShape", "sparql", ONTOLOGY_NODE, None)),
    ("quote-does-not-match-offsets", lambda g: _set(g, _selector(g, OA.TextQuoteSelector), OA.exact, Literal("German forces")),
     ("Violation", "akgsh:GraphIntegrityShape", "sparql", ONTOLOGY_NODE, None)),
    ("negative-offset", lambda g: _set(g, _selector(g, OA.TextPositionSelector), OA.start, Literal(-1)),
     ("Violation", "akgsh:TextPositionSelectorShape", "minInclusive", None, None)),
    ("document-without-character-count", lambda g: g.remove((DOC, AKG.characterCount, None)),
     ("Violation", "akgsh:DocumentShape", "minCount", "akr:doc-shared-military-bases", None)),
    ("end-year-before-start-year", lambda g: (g.add((NATO, AKG.startYear, Literal("1949", datatype=XSD.gYear))),
                                              g.add((NATO, AKG.endYear, Literal("1900", datatype=XSD.gYear)))),
     ("Violation", "akgsh:GraphIntegrityShape", "sparql", ONTOLOGY_NODE, "akr:nato")),
]


@pytest.fixture(scope="module")
def built(built_graph) -> Graph:
    return Graph().parse(str(built_graph), format="turtle")


def _copy(built: Graph) -> Graph:
    g = Graph()
    for prefix, ns in built.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    for t in built:
        g.add(t)
    return g


def _edited(built: Graph, tmp_path: Path, edit) -> Path:
    g = _copy(built)
    edit(g)
    out = tmp_path / "edited.ttl"
    g.serialize(str(out), format="turtle")
    return out


def test_the_corpus_graph_conforms(built_graph):
    report = validate_file(built_graph)
    assert report.conforms
    assert report.findings == ()


@pytest.mark.parametrize("name,edit,expected", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_violation_is_reported(built, tmp_path, name, edit, expected):
    severity, shape, constraint, focus, value = expected
    report = validate_file(_edited(built, tmp_path, edit))
    assert not report.conforms
    hits = [f for f in report.violations if f.shape == shape and f.constraint.lower() == constraint.lower()
            and (focus is None or f.focus == focus) and (value is None or f.value == value)]
    assert hits, "\n".join(map(str, report.findings))
    assert all(f.severity == severity and f.message for f in hits)


@pytest.mark.parametrize("name,edit,expected", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_a_store_folder_gives_the_findings_of_its_file(built, tmp_path, monkeypatch, name, edit, expected):
    """`kg validate --store DIR` validates the Oxigraph store in place (pyshacl reads its entities only);
    its findings are those of the same graph validated from its file by rdflib and pyshacl."""
    import pyoxigraph as ox

    from graph.validate import format_report
    from graph.validate_store import validate_source

    path = _edited(built, tmp_path, edit)
    store = ox.Store(str(tmp_path / "db"))
    store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH) + "-edited"))
    store.flush()
    del store
    from_file = validate_file(path)

    def copied(*_a):
        raise AssertionError("the store was copied into rdflib")

    monkeypatch.setattr("graph.rdfio.rdflib_graph", copied)
    from_store, described = validate_source(SHAPES_FILE, store=tmp_path / "db")
    assert described == f"store {tmp_path / 'db'}"
    assert not from_store.conforms
    assert from_store.findings == from_file.findings
    assert format_report(from_store) == format_report(from_file)


def test_the_focus_label_path_and_evidence_are_reported(built, tmp_path):
    report = validate_file(_edited(built, tmp_path, lambda g: _set(g, _selector(g, OA.TextPositionSelector), OA.end,
                                                                     Literal(10**6))))
    [f] = [f for f in report.violations if "do not lie inside the document" in f.message]
    assert (f.focus, f.label) == (ONTOLOGY_NODE, "alliance-kg ontology")  # a whole-graph check
    assert f.value.startswith("akr:ev-")
    assert f.evidence == SENT_GER
    assert "1000000" in f.message
    [g] = [f for f in validate_file(_edited(built, tmp_path, lambda g: g.add((INCIRLIK, AKG.locatedIn, GERMANY)))).findings
           if f.constraint == "qualifiedMaxCount"]
    assert (g.label, g.path) == ("Incirlik Air Base", "akg:locatedIn+")
    assert g.message == "The base is located in more than one country (directly or through a city)."


def test_a_base_without_country_or_fact_is_only_a_warning(built, tmp_path):
    camp = AKR["camp-example"]

    def edit(g):
        g.add((camp, RDF.type, AKG.MilitaryBase))
        g.add((camp, RDFS.label, Literal("Camp Example")))
        g.add((DOC, AKG.mentions, camp))

    path = _edited(built, tmp_path, edit)
    report = validate_file(path)
    assert report.conforms
    assert sorted((f.severity, f.focus, f.message) for f in report.findings) == [
        ("Warning", "akr:camp-example", "No document states which country the base is in."),
        ("Warning", "akr:camp-example", "The base is mentioned, but no fact about it (with evidence) is stated."),
    ]
    r = run_kg("validate", "--graph", path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Warning: akr:camp-example (Camp Example)" in r.stdout
    assert "conforms: 0 violations, 2 warnings" in r.stdout


# --------------------------------------------------------------------------- the CLI


def test_kg_validate_exit_0_when_the_graph_conforms(built_graph):
    r = run_kg("validate", "--graph", built_graph)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == f"{built_graph} conforms: 0 violations, 0 warnings"


def test_kg_validate_reports_violations_by_name_and_exits_1(built, tmp_path):
    def edit(g):
        g.add((INCIRLIK, AKG.hostsForcesOf, NATO))
        _set(g, TURKEY, AKG.wikidata, URIRef("https://www.wikidata.org/wiki/Q43"))

    path = _edited(built, tmp_path, edit)
    r = run_kg("validate", "--graph", path)
    assert r.returncode == 1
    out = r.stdout
    assert "Violation: akr:incirlik-air-base (Incirlik Air Base)  akg:hostsForcesOf = akr:nato" in out
    assert "akg:hostsForcesOf links a base to a country.  [akgsh:HostsForcesOfShape, class]" in out
    assert "Violation: akr:turkey (Turkey)  akg:wikidata = <https://www.wikidata.org/wiki/Q43>" in out
    assert "[akgsh:WikidataShape, pattern]" in out
    assert "does not conform: 2 violations, 0 warnings" in out


def _blocks(text: str) -> list[str]:
    """The findings `kg validate` prints, one string per finding."""
    blocks: list[str] = []
    for line in text.splitlines():
        if line.startswith(("Violation: ", "Warning: ", "Info: ")):
            blocks.append(line)
        elif blocks and line.startswith("  "):
            blocks[-1] += "\n" + line
    return blocks


def test_kg_validate_names_each_kind_of_violation(built, tmp_path):
    # every case that edits entities, relations or documents, in one graph (the statement and
    # evidence cases edit the same nodes, so they are checked one by one above)
    cases = [c for c in CASES if c[2][3] is not None and not c[2][3].startswith("akr:stmt-")
             and c[2][3] != ONTOLOGY_NODE]
    assert len(cases) >= 10

    def edit(g):
        for _, ed, _ in cases:
            ed(g)

    r = run_kg("validate", "--graph", _edited(built, tmp_path, edit))
    assert r.returncode == 1, r.stdout + r.stderr
    blocks = _blocks(r.stdout)
    for name, _, (severity, shape, constraint, focus, value) in cases:
        assert any(b.startswith(f"{severity}: {focus}") and f"[{shape}, {constraint}]" in b
                   and (value is None or f" = {value}" in b) for b in blocks), name


def test_a_graph_built_without_reasoning_conforms(tmp_path):
    out = tmp_path / "kg.nq"
    r = run_kg("build", "--corpus", CORPUS, "--out", out, "--no-reason", "--no-validate", "-q")
    assert r.returncode == 0, r.stderr
    r = run_kg("validate", "--graph", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "conforms: 0 violations, 0 warnings" in r.stdout


def test_kg_validate_reads_trig(built_trig):
    r = run_kg("validate", "--graph", built_trig)
    assert r.returncode == 0, r.stdout + r.stderr


def test_kg_validate_bad_input(tmp_path):
    r = run_kg("validate", "--graph", tmp_path / "missing.ttl")
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'missing.ttl'}: graph file not found; build it first with `kg build` (or pass --graph FILE)"
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix a: <http://x/> .\na:b a:c .\na:d a:e\n", encoding="utf-8")
    r = run_kg("validate", "--graph", bad)
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {bad}:2: cannot parse: bad syntax (objectList expected)"
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n[] a sh:NodeShape ; sh:targetClass\n", encoding="utf-8")
    r = run_kg("validate", "--graph", bad, "--shapes", shapes)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: {shapes}:") and "cannot parse: bad syntax" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- kg build refuses

STRICT = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
<urn:x:PopulationShape> a sh:NodeShape ;
    sh:targetClass akg:Country ;
    sh:message "test shape" ;
    sh:property [ sh:path akg:population ; sh:minCount 1 ; sh:message "A country needs a population." ] .
"""


def test_build_writes_nothing_when_the_graph_violates_the_shapes(tmp_path):
    shapes = tmp_path / "strict.ttl"
    shapes.write_text(STRICT, encoding="utf-8")
    out = tmp_path / "kg.ttl"
    r = run_kg("build", "--corpus", CORPUS, "--out", out, "--shapes", shapes)
    assert r.returncode == 1
    assert not out.exists() and [p.name for p in tmp_path.glob(".kg.ttl*")] in ([], [".kg.ttl.kg-cache"])  # the cache may stay
    assert "Violation: akr:germany (Germany)  akg:population" in r.stderr
    assert "A country needs a population." in r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: {shapes}: the graph does not conform to the shapes: 5 violations; nothing written to {out}")
    # an earlier graph stays as it was
    out.write_text("earlier", encoding="utf-8")
    r = run_kg("build", "--corpus", CORPUS, "--out", out, "--shapes", shapes)
    assert r.returncode == 1 and out.read_text(encoding="utf-8") == "earlier"
    # --no-validate skips the check
    r = run_kg("build", "--corpus", CORPUS, "--out", out, "--shapes", shapes, "--no-validate", "-q")
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").startswith("@prefix")


# --------------------------------------------------------------------------- the shapes file


def test_every_shape_has_a_message():
    g = load_shapes(SHAPES_FILE)
    node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(g.objects(None, SH.property))
    sparql = set(g.objects(None, SH.sparql))
    assert len(node_shapes) >= 20 and len(property_shapes) >= 40 and len(sparql) >= 4
    for shape in node_shapes | property_shapes | sparql:
        assert g.value(shape, SH.message) is not None, shape


def test_every_class_the_build_writes_has_a_shape(built, built_trig):
    shapes = load_shapes(SHAPES_FILE)
    targets = set(shapes.objects(None, SH.targetClass))
    ds = Dataset()
    ds.parse(str(built_trig), format="trig")
    written = {o for s, _, o, c in ds.quads((None, RDF.type, None, None))  # asserted types of data nodes
               if getattr(c, "identifier", c) not in (ONTOLOGY_GRAPH, INFERRED_GRAPH) and str(o).startswith((str(AKG), str(OA)))}
    assert {AKG.Country, AKG.AirBase, AKG.Statement, AKG.Evidence, AKG.Document} <= written
    for cls in written:
        supers = set(built.transitive_objects(cls, RDFS.subClassOf))
        assert supers & targets, cls


def _whole_graph_breakage(g: Graph) -> None:
    """One violation of each whole-graph SPARQL check."""
    pos, quote = _selector(g, OA.TextPositionSelector), _selector(g, OA.TextQuoteSelector)
    _set(g, pos, OA.end, Literal(10**6))  # offsets outside the document (and quote length != span)
    _set(g, quote, OA.exact, Literal("German forces"))
    g.remove((INCIRLIK, AKG.hostsForcesOf, GERMANY))  # statement without its direct triple
    g.add((NATO, AKG.startYear, Literal("1949", datatype=XSD.gYear)))
    g.add((NATO, AKG.endYear, Literal("1900", datatype=XSD.gYear)))


def test_sparql_checks_on_oxigraph_report_what_pyshacl_reports(built):
    """The whole-graph checks run on Oxigraph; run by pyshacl itself they give the same findings."""
    import pyshacl

    from graph.validate import findings_from, split_sparql_checks, validate_graph

    g = _copy(built)
    _whole_graph_breakage(g)
    shapes = load_shapes(SHAPES_FILE)
    ours = [f for f in validate_graph(g, shapes).findings if f.constraint == "sparql"]
    _c, results, _t = pyshacl.validate(g, shacl_graph=shapes, inference="none", allow_warnings=True)
    theirs = [f for f in findings_from(results, g, shapes) if f.constraint == "sparql"]
    assert ours == theirs
    assert len(ours) == 4 and {f.value for f in ours} >= {"akr:nato"}
    assert any("1000000" in f.message and f.evidence == "German forces" for f in ours)  # the (edited) quote
    core, checks = split_sparql_checks(shapes)
    assert len(checks) == 4 and {str(c.shape) for c in checks} == {"https://w3id.org/alliance-kg/shapes#GraphIntegrityShape"}
    assert not set(core.objects(None, SH.sparql)) and len(core) < len(shapes)


def test_a_broken_sparql_check_names_the_shapes_file(tmp_path):
    from graph.errors import OntologyError
    from graph.validate import validate_graph

    text = SHAPES_FILE.read_text(encoding="utf-8").replace("FILTER (xsd:integer(STR(?end))", "FILTER (xsd:integer(STR(?end)", 1)
    bad = tmp_path / "shapes.ttl"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(OntologyError) as err:
        validate_graph(Graph(), bad)
    assert "SPARQL constraint" in str(err.value) and "shapes.ttl" in str(err.value)
