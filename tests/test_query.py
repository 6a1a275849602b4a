"""The SPARQL query library and the Python query API (graph.query), on the graph built from corpus/.

Expected rows are hand-checked against corpus/*.md: "Al Udeid Air Base in Qatar and Prince Sultan
Air Base in Saudi Arabia" shared with the U.S.; "the German forces are based in Incirlik Air Base,
in NATO ally Turkey"; the strategic-alliances article's cooperation areas, threats and periods.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

import graph
from graph.errors import KGError
from graph.query import (
    BadOption,
    BadParameterValue,
    DuplicateParameter,
    GraphNotFound,
    MissingParameter,
    Param,
    PreparedQuery,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooDeep,
    ReadOnlyViolation,
    ServiceRefused,
    UnknownParameter,
    UnknownQuery,
    UnreadableGraph,
    WrongQueryForm,
    bind_params,
    call_with_timeout,
    check_syntax,
    evaluate,
    find_params,
    forbidden_operations,
    get_query,
    grammar_operations,
    list_queries,
    load_store,
    make_query,
    nesting_error,
    parse_iri,
    prepare,
    query_df,
    query_rows,
    run_query,
    with_limit,
)

from conftest import CORPUS

AKR = "https://w3id.org/alliance-kg/id/"
INFERRED = "https://w3id.org/alliance-kg/graph/inferred"
ALLIANCE = ("akr:alliances-of-islamic-nations", "Alliances of Islamic nations")


@pytest.fixture(scope="module")
def store(built_graph):
    return load_store(built_graph)


def rows(store, name, params=None, drop=()):
    """The answer as tuples of compact values, in the query's order."""
    res = run_query(store, name, params)
    return [tuple(v for k, v in r.items() if k not in drop) for r in res.rows(compact=True)]


# --------------------------------------------------------------------------- every library query


def test_library_lists_every_query_with_metadata():
    names = [q.name for q in list_queries()]
    assert names == sorted(names)
    assert {"base-locations", "shared-bases", "memberships", "bases-by-country", "bases-shared-with",
            "memberships-of", "alliance-areas-threats", "alliances-by-period", "entity-facts", "evidence",
            "entity-subgraph"} <= set(names)
    for q in list_queries():
        assert q.summary, q.name
        assert q.description, q.name
        assert q.tags, q.name
        assert "params" in q.text.split("PREFIX")[0], f"{q.name}: no #+ params: line"
        for p in q.params:
            assert p.description, f"{q.name}: parameter {p.name} undocumented"


def test_base_locations_contract(store):
    assert rows(store, "base-locations") == [
        ("akr:al-udeid-air-base", "Al Udeid Air Base", "akr:qatar", "Qatar"),
        ("akr:incirlik-air-base", "Incirlik Air Base", "akr:turkey", "Turkey"),
        ("akr:prince-sultan-air-base", "Prince Sultan Air Base", "akr:saudi-arabia", "Saudi Arabia"),
    ]
    assert run_query(store, "base-locations").variables == ["base", "baseLabel", "country", "countryLabel"]


def test_shared_bases_contract(store):
    assert run_query(store, "shared-bases").variables == [
        "base", "baseLabel", "host", "hostLabel", "partner", "partnerLabel"]
    assert rows(store, "shared-bases") == [
        ("akr:al-udeid-air-base", "Al Udeid Air Base", "akr:qatar", "Qatar", "akr:united-states", "United States"),
        ("akr:incirlik-air-base", "Incirlik Air Base", "akr:turkey", "Turkey", "akr:germany", "Germany"),
        ("akr:prince-sultan-air-base", "Prince Sultan Air Base", "akr:saudi-arabia", "Saudi Arabia",
         "akr:united-states", "United States"),
    ]


def test_memberships_contract(store):
    assert run_query(store, "memberships").variables == ["member", "memberLabel", "organization", "organizationLabel"]
    assert rows(store, "memberships") == [("akr:turkey", "Turkey", "akr:nato", "NATO")]


def test_contract_queries_through_a_prepared_query(store):
    prepared = get_query("shared-bases").prepare()
    assert isinstance(prepared, PreparedQuery) and prepared.form == "SELECT"
    res = prepared.run(store)
    assert res.variables[:2] == ["base", "baseLabel"]
    got = [{v: sol[v].value for v in res.variables} for sol in res.bindings()]
    assert got[1] == {"base": AKR + "incirlik-air-base", "baseLabel": "Incirlik Air Base", "host": AKR + "turkey",
                      "hostLabel": "Turkey", "partner": AKR + "germany", "partnerLabel": "Germany"}
    assert prepared.run(store, timeout=30).rows() == res.rows()  # reusable, with or without a time limit


def test_bases_by_country(store):
    assert run_query(store, "bases-by-country").variables == ["country", "countryLabel", "bases", "baseLabels"]
    assert rows(store, "bases-by-country") == [
        ("akr:qatar", "Qatar", 1, "Al Udeid Air Base"),
        ("akr:saudi-arabia", "Saudi Arabia", 1, "Prince Sultan Air Base"),
        ("akr:turkey", "Turkey", 1, "Incirlik Air Base"),
    ]


def test_bases_by_country_optional_parameter_inside_aggregate(store):
    # the VALUES block sits inside WHERE, so the aggregate still groups what the filter kept
    assert rows(store, "bases-by-country", {"country": "QATAR"}) == [("akr:qatar", "Qatar", 1, "Al Udeid Air Base")]
    assert rows(store, "bases-by-country", {"country": "Türkiye"}) == [
        ("akr:turkey", "Turkey", 1, "Incirlik Air Base")]  # an alternative name
    assert rows(store, "bases-by-country", {"country": "Germany"}) == []


@pytest.mark.parametrize("partner", ["United States", "USA", "u.s.", "United States of America"])
def test_bases_shared_with_the_united_states(store, partner):
    assert rows(store, "bases-shared-with", {"partner": partner}) == [
        ("akr:al-udeid-air-base", "Al Udeid Air Base", "akr:qatar", "Qatar", "akr:united-states", "United States"),
        ("akr:prince-sultan-air-base", "Prince Sultan Air Base", "akr:saudi-arabia", "Saudi Arabia",
         "akr:united-states", "United States"),
    ]


def test_bases_shared_with_germany(store):
    assert rows(store, "bases-shared-with", {"partner": "Germany"}) == [
        ("akr:incirlik-air-base", "Incirlik Air Base", "akr:turkey", "Turkey", "akr:germany", "Germany")]
    assert rows(store, "bases-shared-with", {"partner": "Qatar"}) == []  # a host, not a partner


def test_memberships_of(store):
    assert run_query(store, "memberships-of", {"member": "Turkey"}).variables == [
        "member", "memberLabel", "organization", "organizationLabel", "startYear", "endYear"]
    expected = [("akr:turkey", "Turkey", "akr:nato", "NATO", None, None)]  # the document gives no year
    assert rows(store, "memberships-of", {"member": "Turkey"}) == expected
    assert rows(store, "memberships-of", {"member": "Türkiye"}) == expected
    assert rows(store, "memberships-of", {"member": "Germany"}) == []


def test_alliance_areas_and_threats(store):
    assert rows(store, "alliance-areas-threats") == [
        (*ALLIANCE, "cooperation area", "akv:collective-defense", "collective defense"),
        (*ALLIANCE, "cooperation area", "akv:counter-terrorism", "counter-terrorism"),
        (*ALLIANCE, "cooperation area", "akv:cybersecurity", "cybersecurity"),
        (*ALLIANCE, "cooperation area", "akv:research-and-development", "defense research and development"),
        (*ALLIANCE, "cooperation area", "akv:intelligence-sharing", "intelligence sharing"),
        (*ALLIANCE, "cooperation area", "akv:joint-drills", "joint military drills"),
        (*ALLIANCE, "cooperation area", "akv:joint-operations", "joint operations"),
        (*ALLIANCE, "cooperation area", "akv:training", "military training"),
        (*ALLIANCE, "cooperation area", "akv:technology-transfer", "technology transfer"),
        (*ALLIANCE, "threat", "akv:cyber-warfare", "cyber warfare"),
        (*ALLIANCE, "threat", "akv:nuclear-threats", "nuclear threats"),
        (*ALLIANCE, "threat", "akv:regional-threats", "regional threats"),
        (*ALLIANCE, "threat", "akv:terrorism", "terrorism"),
    ]


def test_alliances_by_period(store):
    # "during the Cold War, alliances with Western powers were created"; "In recent times ... adapted"
    assert rows(store, "alliances-by-period") == [
        ("akv:cold-war", "Cold War", "1947", "1991", *ALLIANCE, "stated"),
        ("akv:contemporary-era", "contemporary era", "2001", None, *ALLIANCE, "stated"),
    ]


def test_alliances_by_period_from_start_years():
    """An alliance with a start year falls in the period that spans it (no formedIn needed)."""
    import pyoxigraph as ox

    from graph.lexicon import ONTOLOGY_FILE

    st = ox.Store()
    st.bulk_load(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
    st.load(b"""@prefix akg: <https://w3id.org/alliance-kg/ontology#> . @prefix akr: <https://w3id.org/alliance-kg/id/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        akr:nato a akg:MilitaryAlliance ; <http://www.w3.org/2000/01/rdf-schema#label> "NATO" ; akg:startYear "1949"^^xsd:gYear .
        akr:imctc a akg:MilitaryAlliance ; <http://www.w3.org/2000/01/rdf-schema#label> "IMCTC" ; akg:startYear "2015"^^xsd:gYear .
        """, ox.RdfFormat.TURTLE)
    got = [(r["period"], r["allianceLabel"], r["how"]) for r in query_rows("alliances-by-period", st, compact=True)]
    assert got == [("akv:cold-war", "NATO", "start year 1949"), ("akv:contemporary-era", "IMCTC", "start year 2015")]


def test_entity_facts_germany(store, built_trig):
    trig = load_store(built_trig)  # named graphs kept: the inferred ones are known
    doc = "akr:doc-shared-military-bases"
    docl = "Shared Military Bases in Islamic Nations"
    base = ("akr:incirlik-air-base", "Incirlik Air Base")
    got = rows(trig, "entity-facts", {"entity_iri": "akr:germany"})
    asserted = [
        ("in", "akg:hostsForcesOf", *base, doc),  # "the German forces are based in Incirlik Air Base"
        ("out", "geo:hasGeometry", "akr:germany-geometry", None, None),
        ("out", "rdf:type", "akg:Country", "country", None),
        ("out", "rdfs:label", "Germany", None, None),
        ("out", "wgs:lat", 51.17, None, None),
        ("out", "wgs:long", 10.45, None, None),
        ("out", "skos:altLabel", "Federal Republic of Germany", None, None),
        ("out", "akg:isoCode", "DEU", None, None),
        ("in", "akg:mentions", doc, docl, None),
        ("out", "akg:wikidata", "wd:Q183", None, None),
    ]
    inferred = [  # the reasoner's graph (kg build reasons by default)
        ("out", "rdf:type", "akg:Place", "place", None),
        ("out", "skos:closeMatch", "wd:Q183", None, None),
        ("in", "schema:mentions", doc, docl, None),
        ("out", "akg:hasForcesAt", *base, None),
    ]
    marked = [(*r, False) for r in asserted] + [(*r, True) for r in inferred]  # the `inferred` column
    assert sorted(got, key=repr) == sorted(marked, key=repr)
    # a Turtle file keeps no named graphs: the same rows, with `inferred` unknown (unbound), never a guess
    merged = rows(store, "entity-facts", {"entity_iri": "akr:germany"})
    assert sorted(merged, key=repr) == sorted([(*r, None) for r in asserted + inferred], key=repr)


def test_entity_facts_accepts_full_and_bracketed_iris(store):
    a = rows(store, "entity-facts", {"entity_iri": "akr:germany"})
    assert rows(store, "entity-facts", {"entity_iri": AKR + "germany"}) == a
    assert rows(store, "entity-facts", {"entity": f"<{AKR}germany>"}) == a
    assert rows(store, "entity-facts", {"entity_iri": "akr:no-such-thing"}) == []


def test_evidence_for_one_entity(store):
    got = rows(store, "evidence", {"entity_iri": "akr:incirlik-air-base"})
    sentence = ("As an example, the German forces are based in Incirlik Air Base, in NATO ally Turkey, "
                "reflecting a broader strategic alliance.")
    text = (CORPUS / "shared-military-bases.md").read_text(encoding="utf-8")
    start = text.index(sentence)
    assert got == [
        ("akr:incirlik-air-base", "Incirlik Air Base", "akg:hostsForcesOf", "akr:germany", "Germany",
         "akr:doc-shared-military-bases", start, start + len(sentence), sentence, "forces-at-base"),
        ("akr:incirlik-air-base", "Incirlik Air Base", "akg:locatedIn", "akr:turkey", "Turkey",
         "akr:doc-shared-military-bases", start, start + len(sentence), sentence, "base-in-place"),
    ]


def test_evidence_for_an_entity_that_is_only_an_object(store):
    got = rows(store, "evidence", {"entity_iri": "akr:germany"})
    assert [(r[0], r[2], r[3], r[-1]) for r in got] == [
        ("akr:incirlik-air-base", "akg:hostsForcesOf", "akr:germany", "forces-at-base")]


def test_evidence_for_every_fact_points_at_the_sentence(store):
    res = run_query(store, "evidence").rows(compact=True)
    facts = {(r["subject"], r["property"], r["object"]) for r in res}
    a = "akr:alliances-of-islamic-nations"
    assert facts == {
        ("akr:al-udeid-air-base", "akg:hostsForcesOf", "akr:united-states"),
        ("akr:al-udeid-air-base", "akg:locatedIn", "akr:qatar"),
        ("akr:prince-sultan-air-base", "akg:hostsForcesOf", "akr:united-states"),
        ("akr:prince-sultan-air-base", "akg:locatedIn", "akr:saudi-arabia"),
        ("akr:incirlik-air-base", "akg:hostsForcesOf", "akr:germany"),
        ("akr:incirlik-air-base", "akg:locatedIn", "akr:turkey"),
        ("akr:turkey", "akg:memberOf", "akr:nato"),
        *((a, "akg:addressesThreat", f"akv:{t}") for t in
          ("cyber-warfare", "nuclear-threats", "regional-threats", "terrorism")),
        *((a, "akg:coversArea", f"akv:{c}") for c in
          ("collective-defense", "counter-terrorism", "cybersecurity", "intelligence-sharing", "joint-drills",
           "joint-operations", "research-and-development", "technology-transfer", "training")),
        (a, "akg:formedIn", "akv:cold-war"),
        (a, "akg:formedIn", "akv:contemporary-era"),
        *((a, "akg:servesPurpose", f"akv:{p}") for p in ("crisis-readiness", "deterrence", "joint-drills", "peace")),
    }
    files = {"akr:doc-shared-military-bases": "shared-military-bases.md",
             "akr:doc-strategic-military-alliances": "strategic-military-alliances.md"}
    texts = {d: (CORPUS / f).read_text(encoding="utf-8") for d, f in files.items()}
    for r in res:  # the sentence is exactly the slice the offsets name
        assert texts[r["document"]][r["start"]:r["end"]] == r["sentence"], r
        assert r["rule"]


def test_entity_subgraph_construct(store):
    res = run_query(store, "entity-subgraph", {"entity_iri": "akr:incirlik-air-base"})
    assert res.kind == "graph"
    nt = res.serialize("ntriples").decode()
    lines = nt.splitlines()
    assert lines == sorted(set(lines))
    inc, ger, tur = (f"<{AKR}{x}>" for x in ("incirlik-air-base", "germany", "turkey"))
    akg = "https://w3id.org/alliance-kg/ontology#"
    must = [
        f"{inc} <{akg}hostsForcesOf> {ger} .",
        f"{inc} <{akg}locatedIn> {tur} .",
        f'{inc} <http://www.w3.org/2000/01/rdf-schema#label> "Incirlik Air Base" .',
        f'{ger} <http://www.w3.org/2000/01/rdf-schema#label> "Germany" .',
        f"{tur} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{akg}Country> .",
    ]
    for line in must:
        assert line in lines
    # two facts with one sentence of evidence each: 2 statements, 2 evidence nodes, 4 selectors
    stmts = {ln.split()[0] for ln in lines if ln.endswith(f"<{akg}Statement> .")}
    evidence = {ln.split()[0] for ln in lines if ln.endswith(f"<{akg}Evidence> .")}
    assert len(stmts) == 2 and len(evidence) == 2
    assert sum('<http://www.w3.org/ns/oa#exact> "As an example, the German forces' in ln for ln in lines) == 2
    # nothing unrelated: no other base, no other entity's facts
    assert "al-udeid" not in nt and "prince-sultan" not in nt and "memberOf" not in nt
    from graph.query import display_text

    compact = [tuple(display_text(x) for x in (t.subject, t.predicate, t.object)) for t in res.triples()]
    bookkeeping = [c for c in compact if c[0].startswith(("akr:stmt-", "akr:ev-"))]
    doc, base = "akr:doc-shared-military-bases", "akr:incirlik-air-base"
    assert sorted(c for c in compact if c not in bookkeeping) == sorted([
        (doc, "rdf:type", "akg:Document"), (doc, "rdfs:label", "Shared Military Bases in Islamic Nations"),
        ("akr:germany", "rdf:type", "akg:Country"), ("akr:germany", "rdfs:label", "Germany"),
        ("akr:turkey", "rdf:type", "akg:Country"), ("akr:turkey", "rdfs:label", "Turkey"),
        (f"{base}-geometry", "rdf:type", "geo:Geometry"), (base, "geo:hasGeometry", f"{base}-geometry"),
        (base, "rdf:type", "akg:AirBase"), (base, "rdfs:label", "Incirlik Air Base"),
        (base, "wgs:lat", "37.002"), (base, "wgs:long", "35.426"),
        (base, "skos:altLabel", "Incirlik Airbase"), (base, "skos:altLabel", "Incirlik"),
        (base, "skos:altLabel", "İncirlik Air Base"),
        (base, "akg:hostsForcesOf", "akr:germany"), (base, "akg:locatedIn", "akr:turkey"),
        (doc, "akg:mentions", base),
        ("akg:AirBase", "rdf:type", "owl:Class"), ("akg:AirBase", "rdfs:label", "air base"),
        # inferred by the reasoner (kg build reasons by default)
        ("akr:germany", "rdf:type", "akg:Place"), ("akr:germany", "akg:hasForcesAt", base),
        ("akr:turkey", "rdf:type", "akg:Place"),
        (base, "rdf:type", "akg:MilitaryBase"), (base, "rdf:type", "akg:Place"),
        (base, "schema:containedInPlace", "akr:turkey"), (doc, "schema:mentions", base),
        ("akg:MilitaryBase", "rdf:type", "owl:Class"), ("akg:MilitaryBase", "rdfs:label", "military base"),
        ("akg:Place", "rdf:type", "owl:Class"), ("akg:Place", "rdfs:label", "place"),
    ])
    # statements: type, subject, property, object, evidence (5 each); evidence: type, source, section,
    # rule, two selectors (6 each); selectors: quote (type, exact), position (type, start, end)
    assert len(bookkeeping) == 2 * 5 + 2 * 6 + 2 * (2 + 3)


def test_queries_give_the_same_rows_without_the_inferred_graph(built_trig):
    with_inf = load_store(built_trig)
    import pyoxigraph as ox

    inferred = ox.NamedNode(INFERRED)
    assert len(list(with_inf.quads_for_pattern(None, None, None, inferred))) > 0, "no inferred graph to test with"
    without = load_store(built_trig)
    without.remove_graph(inferred)
    for q in list_queries():
        if q.params or "construct" in q.tags:
            continue
        assert rows(with_inf, q.name) == rows(without, q.name), q.name
    for name, params in [("bases-shared-with", {"partner": "USA"}), ("memberships-of", {"member": "Turkey"}),
                         ("evidence", {"entity_iri": "akr:turkey"}), ("bases-by-country", {"country": "Qatar"})]:
        assert rows(with_inf, name, params) == rows(without, name, params), name


# --------------------------------------------------------------------------- parameters and safety

INJECTIONS = ['United States" || true || "', 'x" } ; DELETE WHERE { ?s ?p ?o } #',
              "United States' || true || '", 'x"))} UNION { ?base ?p ?o } #', "\\u0022 } #"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injected_literal_matches_nothing_and_changes_nothing(built_graph, value):
    st = load_store(built_graph)
    before = sorted(map(str, st))
    assert run_query(st, "bases-shared-with", {"partner": value}).rows() == []
    assert run_query(st, "memberships-of", {"member": value}).rows() == []
    assert query_rows("bases-by-country", st, {"country": value}) == []
    assert sorted(map(str, st)) == before


@pytest.mark.parametrize("value", ["akr:x> } ; DELETE WHERE { ?s ?p ?o } #", "akr:a b", 'akr:a"b', "akr:{x}",
                                   "<akr:x>> <y", "no-scheme", ""])
def test_bad_iri_parameter_is_refused(store, value):
    with pytest.raises(KGError, match="not an IRI"):
        run_query(store, "entity-facts", {"entity_iri": value})


def test_values_block_is_inside_the_where_group():
    q = get_query("bases-by-country")
    text = bind_params(q.text, {q.params[0]: 'a"b'})
    where = text.index("WHERE {")
    assert text[where:].startswith('WHERE { VALUES (?__country) { ("a\\"b") }')
    assert text.rstrip().endswith("ORDER BY DESC(?bases) ?countryLabel")


def test_values_block_skips_construct_template_and_subqueries():
    p = Param("x", "_x")
    text = "CONSTRUCT { ?s ?p ?_x } WHERE { { SELECT ?s WHERE { ?s ?p ?o } } ?s ?p ?_x }"
    assert bind_params(text, {p: "v"}) == (
        'CONSTRUCT { ?s ?p ?_x } WHERE { VALUES (?_x) { ("v") } { SELECT ?s WHERE { ?s ?p ?o } } ?s ?p ?_x }')
    tricky = '# WHERE {\nSELECT ?s WHERE { ?s ?p "{" . ?s ?q ?_x }'
    assert bind_params(tricky, {p: "v"}) == '# WHERE {\nSELECT ?s WHERE { VALUES (?_x) { ("v") } ?s ?p "{" . ?s ?q ?_x }'


def test_typed_parameters():
    q = make_query("SELECT ?s WHERE { ?s ?p ?_n_integer . ?s ?q ?__since_gyear }")
    assert [(p.name, p.kind, p.required) for p in q.params] == [("n_integer", "integer", True),
                                                               ("since_gyear", "gYear", False)]
    text = bind_params(q.text, {q.params[0]: "5", q.params[1]: "1952"})
    assert '"5"^^<http://www.w3.org/2001/XMLSchema#integer>' in text
    assert '"1952"^^<http://www.w3.org/2001/XMLSchema#gYear>' in text


def test_find_params_ignores_strings_comments_and_iris():
    text = '# ?_not_me\nSELECT ?s WHERE { ?s ?p "?_nor_me" ; <http://x/?_nope> ?_yes . FILTER(?__maybe) }'
    assert [(p.name, p.required) for p in find_params(text)] == [("yes", True), ("maybe", False)]


def test_parameter_errors_name_the_parameter_and_list_the_others(store):
    with pytest.raises(KGError, match=r"missing parameter 'partner' .*its parameters: partner \(literal\)"):
        run_query(store, "bases-shared-with")
    with pytest.raises(KGError, match=r"unknown parameter 'country' .*its parameters: partner \(literal\)"):
        run_query(store, "bases-shared-with", {"partner": "USA", "country": "Qatar"})
    with pytest.raises(KGError, match=r"unknown parameter 'x' for query 'shared-bases'; its parameters: none"):
        run_query(store, "shared-bases", {"x": "1"})


def test_parse_iri():
    assert parse_iri("akr:turkey") == AKR + "turkey"
    assert parse_iri(f"<{AKR}turkey>") == AKR + "turkey"
    assert parse_iri("urn:x:y") == "urn:x:y"
    assert parse_iri("http://example.org/a") == "http://example.org/a"


# --------------------------------------------------------------------------- refusing updates and SERVICE


@pytest.mark.parametrize("text, found", [
    ("INSERT DATA { <a:b> <a:c> <a:d> }", ["INSERT"]),
    ("delete where { ?s ?p ?o }", ["DELETE"]),
    ("PREFIX x: <urn:x:> # comment\nDROP ALL", ["DROP"]),
    ("LOAD <http://example.org/x>", ["LOAD"]),
    ("CLEAR DEFAULT", ["CLEAR"]), ("CREATE GRAPH <urn:g>", ["CREATE"]), ("ADD DEFAULT TO <urn:g>", ["ADD"]),
    ("MOVE DEFAULT TO <urn:g>", ["MOVE"]), ("COPY DEFAULT TO <urn:g>", ["COPY"]),
    ("SELECT * WHERE { SERVICE <http://e.org/sparql> { ?s ?p ?o } }", ["SERVICE"]),
    ('SELECT * WHERE { ?s ?p "INSERT DATA" } # DELETE everything', []),
    ("SELECT * WHERE { ?s <http://x.org/delete> ?insert . ?s akr:drop-zone ?o }", []),
    ("SELECT * WHERE { ?s ?p '''multi\nline CLEAR ALL''' }", []),
    # the refusal bypasses of issue 14: a comment ended by a carriage return, a \\u escape in an IRI holding ',
    # an escaped # or ' in a prefixed name; and SERVICE inside SPARQL 1.2 LATERAL
    ("SELECT * { ?s ?p ?o # note\rSERVICE <http://e.org/s> { ?s ?p ?o } }", ["SERVICE"]),
    ("SELECT * { <http://a/\\u0041'> ?p ?o . SERVICE <http://e.org/s> { ?s ?p ?o } } # '", ["SERVICE"]),
    ("PREFIX ex: <http://x/> SELECT * { ?s ?p ex:a\\#b . SERVICE <http://e.org/s> { ?s ?p ?o } }", ["SERVICE"]),
    ("PREFIX ex: <http://x/> SELECT * { ?s ?p ex:a\\'b . SERVICE <http://e.org/s> { ?s ?p ?o } } #'", ["SERVICE"]),
    ("SELECT * { ?s ?p ?o LATERAL { SERVICE <http://e.org/s> { ?s ?p ?o } } }", ["SERVICE"]),
    ("SELECT * { ?s ?p ?o # SERVICE <http://e.org/s> { ?s ?p ?o }\n}", []),
    ("SELECT * { ?s <http://x/SERVICE> 'SERVICE <http://e.org/s> {}' }", []),
])
def test_forbidden_operations(text, found):
    assert forbidden_operations(text) == found


def test_updates_and_service_are_refused_unless_allowed(built_graph):
    st = load_store(built_graph)
    n = len(st)
    with pytest.raises(KGError, match=r"SPARQL update \(DELETE\).*--allow-update"):
        run_query(st, "DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(KGError, match="SERVICE.*--allow-service"):
        run_query(st, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert len(st) == n
    res = run_query(st, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", allow_update=True)
    assert res.kind == "update" and res.changed == 1 and len(st) == n + 1


@pytest.mark.parametrize("text, found", [
    # what rdflib's grammar reads, fed the text as Oxigraph lexes it
    ("SELECT * { ?s ?p ?o # note\rSERVICE <http://e.org/s> { ?s ?p ?o } }", ("query", ("SERVICE",))),
    ("SELECT * { <http://a/\\u0041'> ?p ?o . SERVICE <http://e.org/s> { ?s ?p ?o } } # '", ("query", ("SERVICE",))),
    ("SELECT * { ?s ?p ?o LATERAL { SERVICE <http://e.org/s> { ?s ?p ?o } } }", ("query", ("SERVICE",))),
    # an escaped backslash before u0022 is not an escaped quote (rdflib alone would end the string there)
    ('SELECT * { ?s ?p "\\\\u0022 } SERVICE <http://e.org/s> { ?s ?p ?o } #" }', ("query", ())),
    ("PREFIX : <urn:x:> INSERT { ?s :p 1 } WHERE { ?s ?p ?o }", ("update", ("INSERT",))),
    ("DELETE { ?s ?p ?o } WHERE { SERVICE <http://e.org/s> { ?s ?p ?o } }", ("update", ("SERVICE", "DELETE"))),
    ("SELECT * WHERE { ?s ?p }", (None, ())),
])
def test_grammar_operations(text, found):
    kind, ops = grammar_operations(text)
    assert (kind, sorted(ops)) == (found[0], sorted(found[1]))


def test_every_library_query_is_read_by_the_grammar_check():
    # so the refusal never rests on the keyword tokens alone for them (two use LATERAL)
    for q in list_queries():
        assert grammar_operations(q.text) == ("query", ()), q.name


class _SparqlRecorder(BaseHTTPRequestHandler):
    """A SPARQL endpoint that counts its requests and answers every query with no solutions."""

    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        body = b'{"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _SparqlRecorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _SparqlRecorder.hits = []
    yield f"http://127.0.0.1:{srv.server_address[1]}/sparql", _SparqlRecorder.hits
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o # note\rSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ <http://a/\\u0041'> ?p ?o . SERVICE <{url}> {{ ?s ?p ?o }} }} # '",
])
def test_service_refusal_sends_nothing_and_an_allowed_call_is_sent_once(recorder, template):
    url, hits = recorder
    text = template.format(url=url)
    st = ox.Store()  # one triple, so Oxigraph does not skip the SERVICE for an empty join
    st.add(ox.Quad(ox.NamedNode("http://a/A'"), ox.NamedNode("http://a/p"), ox.Literal("x")))
    with pytest.raises(KGError) as err:
        run_query(st, text)
    assert str(err.value) == "'query' calls a remote SPARQL SERVICE: refused; pass --allow-service to allow it"
    assert hits == []
    assert run_query(st, text, allow_service=True).rows() == []
    assert len(hits) == 1  # the checks never run the query: one command, one request


# --------------------------------------------------------------------------- nesting


DEEP_BRACES = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000


@pytest.mark.parametrize("text, message", [
    (DEEP_BRACES, "query nested too deeply at line 1, column 216: more than 200 levels of { ( [ "
                  "(the limit keeps the SPARQL engine from running out of stack)"),
    ("SELECT * WHERE {\n FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }",
     "query nested too deeply at line 2, column 72: more than 64 levels of ( [ inside one { } group "
     "(nested blank nodes and collections cost the engine time that grows steeply with depth)"),
    ("SELECT * WHERE { ?s ?p " + "[ ?p " * 100 + "1" + " ]" * 100 + " }",
     "query nested too deeply at line 1, column 344: more than 64 levels of ( [ inside one { } group "
     "(nested blank nodes and collections cost the engine time that grows steeply with depth)"),
    ("DELETE WHERE " + "{" * 3000 + "}" * 3000, "query nested too deeply at line 1, column 214: more than 200 "
     "levels of { ( [ (the limit keeps the SPARQL engine from running out of stack)"),
    # a tokenizer that could be fooled still meets the backstop that counts every character
    ('SELECT * WHERE { ?s ?p "' + "{" * 1200 + '" }', "query nested too deeply at line 1, column 1024: more "
     "than 1000 levels of { ( [, counting those in strings, IRIs and comments"),
])
def test_deep_nesting_is_refused_before_the_engine_sees_it(text, message):
    assert nesting_error(text) == message
    for run in (lambda: run_query(ox.Store(), text, allow_update=True), lambda: prepare(text),
                lambda: check_syntax(text), lambda: evaluate(ox.Store(), text)):
        with pytest.raises(KGError) as err:
            run()
        assert str(err.value) == message


def test_nesting_within_the_limits_runs():
    st = ox.Store()
    braces = "SELECT * WHERE " + "{" * 200 + " ?s ?p ?o " + "}" * 200
    assert run_query(st, braces).rows() == []
    parens = "SELECT ?x WHERE { BIND(" + "(" * 63 + "1" + ")" * 63 + " AS ?x) }"
    assert run_query(st, parens).rows() == [{"x": 1}]
    # brackets in strings, IRIs and comments do not count (up to the backstop)
    quoted = 'SELECT ?x WHERE { BIND("' + "{(" * 200 + '" AS ?x) } # ' + "{" * 500
    assert nesting_error(quoted) is None
    assert run_query(st, quoted).rows() == [{"x": "{(" * 200}]


# --------------------------------------------------------------------------- limit, timeout, errors


def test_limit(store):
    assert len(run_query(store, "alliance-areas-threats", limit=3).rows()) == 3
    assert with_limit("SELECT * WHERE { ?s ?p ?o } LIMIT 2", 10) == "SELECT * WHERE { ?s ?p ?o } LIMIT 2"
    assert with_limit("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }", 1) == (
        "SELECT * WHERE { ?s ?p ?o } LIMIT 1\nVALUES ?s { <urn:a> }")
    assert len(run_query(store, "SELECT * WHERE { ?s ?p ?o } VALUES ?p { rdfs:label }", limit=2).rows()) == 2


def test_timeout_stops_a_runaway_query(store):
    t = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"timed out after 0.5 seconds"):
        run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.5)
    assert time.monotonic() - t < 30
    assert run_query(store, "shared-bases", timeout=30).rows()  # a quick query under a limit still answers


def test_thread_timeout_fallback_gives_control_back():
    with pytest.raises(QueryTimeout):
        call_with_timeout(lambda: time.sleep(3), 0.2, in_child=False)
    assert call_with_timeout(lambda: 42, 5, in_child=False) == 42


def test_errors_inside_a_timed_query_are_reported(store):
    with pytest.raises(KGError, match="missing parameter"):
        run_query(store, "bases-shared-with", timeout=5)


def test_syntax_error_names_line_and_column(store):
    text = "SELECT ?x\nWHERE {\n  ?x ?p ?o .\n}\nORDER ?x"
    for _ in range(2):  # checks are cached by text; a failure is reported again, never remembered as good
        with pytest.raises(KGError) as err:
            run_query(store, text)
        assert str(err.value) == (
            "SPARQL syntax error at line 5, column 9: expected BY\n"  # Oxigraph points past the last token it read
            "  5 | ORDER ?x\n"
            "    |         ^")


def test_unknown_query_lists_close_names():
    with pytest.raises(KGError, match=r"unknown query 'shared-base'; did you mean shared-bases"):
        get_query("shared-base")
    with pytest.raises(KGError, match="query file not found"):
        get_query("somewhere/missing.rq")


def test_missing_graph_says_how_to_build(tmp_path):
    with pytest.raises(KGError, match=r"graph file not found; build it first with `kg build`"):
        load_store(tmp_path / "kg.ttl")


# --------------------------------------------------------------------------- notebook API


def test_python_api_rows_and_dataframe(built_graph):
    got = graph.query_rows("shared-bases", built_graph, compact=True)
    assert [(r["baseLabel"], r["partnerLabel"]) for r in got] == [
        ("Al Udeid Air Base", "United States"), ("Incirlik Air Base", "Germany"),
        ("Prince Sultan Air Base", "United States")]
    full = graph.query_rows("base-locations", built_graph)
    assert full[0]["base"] == AKR + "al-udeid-air-base"
    df = graph.query_df("bases-by-country", built_graph)
    assert list(df.columns) == ["country", "countryLabel", "bases", "baseLabels"]
    assert df["bases"].tolist() == [1, 1, 1]
    assert df["countryLabel"].tolist() == ["Qatar", "Saudi Arabia", "Turkey"]
    df = query_df("bases-shared-with", load_store(built_graph), {"partner": 'USA" || true || "'})
    assert df.empty and list(df.columns)[0] == "base"


def test_python_api_takes_sparql_text_and_refuses_other_forms(store):
    got = query_rows("SELECT ?b WHERE { ?b a akg:AirBase } ORDER BY ?b", store, compact=True)
    assert got == [{"b": "akr:al-udeid-air-base"}, {"b": "akr:incirlik-air-base"}, {"b": "akr:prince-sultan-air-base"}]
    with pytest.raises(KGError, match="SELECT"):
        query_rows("ASK { ?s ?p ?o }", store)


def test_python_api_is_exported():
    for name in ("query_rows", "query_df", "run_query", "QueryResult", "list_queries", "get_query", "load_store",
                 "make_query", "parse_metadata", "NamedQuery", "PreparedQuery"):
        assert hasattr(graph, name), name


def test_ask_and_formats(store):
    res = run_query(store, "ASK { akr:turkey akg:memberOf akr:nato }")
    assert res.kind == "ask" and res.boolean is True
    assert res.serialize("json") == b'{"head":{},"boolean":true}'
    assert run_query(store, "ASK { akr:germany akg:memberOf akr:nato }").boolean is False
    with pytest.raises(KGError, match="--format turtle"):
        run_query(store, "shared-bases").serialize("turtle")


# --------------------------------------------------------------------------- typed errors


def test_each_failure_has_its_own_error_type(store):
    cases = [
        (UnknownQuery, r"unknown query 'shared-base'", lambda: get_query("shared-base")),
        (UnknownQuery, "query file not found", lambda: get_query("somewhere/missing.rq")),
        (UnknownQuery, "holds a path separator", lambda: get_query("../queries/shared-bases")),
        (MissingParameter, "missing parameter 'partner'", lambda: run_query(store, "bases-shared-with")),
        (UnknownParameter, "unknown parameter 'x'", lambda: run_query(store, "shared-bases", {"x": "1"})),
        (DuplicateParameter, "parameter 'entity_iri' given twice",
         lambda: run_query(store, "entity-facts", {"entity": "akr:turkey", "entity_iri": "akr:nato"})),
        (BadParameterValue, "not an IRI", lambda: run_query(store, "entity-facts", {"entity_iri": "no-scheme"})),
        (QuerySyntaxError, "SPARQL syntax error at line 1", lambda: run_query(store, "SELECT ?x WHERE { ?x")),
        (QueryTooDeep, "query nested too deeply", lambda: run_query(store, DEEP_BRACES)),
        (ReadOnlyViolation, r"SPARQL update \(DELETE\)", lambda: run_query(store, "DELETE WHERE { ?s ?p ?o }")),
        (ServiceRefused, "SERVICE: refused", lambda: run_query(store, "SELECT * { SERVICE <http://127.0.0.1:9/> {} }")),
        (WrongQueryForm, "query_rows answers SELECT queries; this one is ASK",
         lambda: query_rows("ASK { ?s ?p ?o }", store)),
        (BadOption, "--timeout must be a number", lambda: run_query(store, "shared-bases", timeout=0)),
        (BadOption, "--limit must be 0 or more", lambda: run_query(store, "shared-bases", limit=-1)),
        (BadOption, "--format turtle is not for SELECT", lambda: run_query(store, "shared-bases").serialize("turtle")),
        (QueryTimeout, "timed out after 0.3 seconds",
         lambda: run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.3)),
    ]
    for cls, message, call in cases:
        with pytest.raises(cls, match=message) as err:
            call()
        assert type(err.value) is cls and isinstance(err.value, KGError), (cls, message)
    assert issubclass(QueryTooDeep, QuerySyntaxError)  # a notebook catching syntax errors catches both


def test_graph_file_errors_have_their_own_types(tmp_path):
    with pytest.raises(GraphNotFound, match="graph file not found"):
        load_store(tmp_path / "kg.ttl")
    (tmp_path / "kg.xyz").write_text("", encoding="utf-8")
    with pytest.raises(UnreadableGraph, match="unknown graph format '.xyz'"):
        load_store(tmp_path / "kg.xyz")
    (tmp_path / "bad.ttl").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    with pytest.raises(UnreadableGraph, match="malformed graph"):
        load_store(tmp_path / "bad.ttl")


def test_an_error_inside_a_forked_child_keeps_its_type():
    from graph.errors import QueryFailed

    st = ox.Store()  # one triple, so Oxigraph does not skip the SERVICE for an empty join
    st.add(ox.Quad(ox.NamedNode("http://a/s"), ox.NamedNode("http://a/p"), ox.Literal("x")))
    text = "SELECT * WHERE { ?s ?p ?o . SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"  # nothing listens
    messages = []
    for timeout in (None, 20):  # in process, then in a forked child
        with pytest.raises(QueryFailed) as err:
            run_query(st, text, allow_service=True, timeout=timeout)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and messages[0].startswith("query failed: ")


def test_errors_pickle_whole():
    import pickle

    exc = pickle.loads(pickle.dumps(UnknownParameter("unknown parameter 'x'", path="q.rq", line=3)))
    assert type(exc) is UnknownParameter and (exc.message, exc.path, exc.line) == ("unknown parameter 'x'", "q.rq", 3)
    assert str(exc) == "q.rq:3: unknown parameter 'x'"


def test_one_table_of_exit_codes_covers_every_error():
    import inspect

    import graph.errors as errors

    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, KGError)]
    assert len(classes) > 15 and set(classes) == set(errors.EXIT_CODES)
    codes = {c.__name__: errors.exit_code(c.__new__(c)) for c in classes}
    assert {name: code for name, code in codes.items() if code != 2} == {"QueryTimeout": 3, "ValidationFailed": 1, "NoMatch": 1}
    assert errors.exit_code(ValueError("not ours")) == 1


# --------------------------------------------------------------------------- prepared queries and results


def test_a_prepared_query_runs_on_many_stores_and_refuses_writes_to_a_read_only_one(built_graph):
    from graph.stores import PyoxigraphStore

    prepared = get_query("bases-shared-with").prepare({"partner": "Germany"})
    assert prepared.text.count('VALUES (?_partner) { ("Germany") }') == 1
    a, b = load_store(built_graph), PyoxigraphStore(load_store(built_graph), "store test", fork_safe=False)
    expected = [("Incirlik Air Base", "Germany")]
    for st in (a, b):  # a pyoxigraph Store (timeout in a child) and a project store (timeout in a thread)
        for timeout in (None, 30):
            assert [(r["baseLabel"], r["partnerLabel"]) for r in prepared.run(st, timeout=timeout).rows()] == expected
    read_only = PyoxigraphStore(load_store(built_graph), "store test", read_only=True)
    n = len(read_only)
    update = make_query("DELETE WHERE { ?s ?p ?o }").prepare(allow_update=True)
    assert update.form == "UPDATE"
    with pytest.raises(ReadOnlyViolation, match="store test is opened for reading only"):
        update.run(read_only)
    assert len(read_only) == n


def test_rdflib_graph_as_the_source():
    import rdflib

    g = rdflib.Graph()
    g.add((rdflib.URIRef(AKR + "turkey"), rdflib.RDFS.label, rdflib.Literal("Turkey")))
    assert query_rows("SELECT ?l WHERE { akr:turkey rdfs:label ?l }", g) == [{"l": "Turkey"}]
    ds = rdflib.Dataset()
    ds.graph(rdflib.URIRef("urn:g")).add((rdflib.URIRef(AKR + "nato"), rdflib.RDFS.label, rdflib.Literal("NATO")))
    assert query_rows("SELECT ?l WHERE { akr:nato rdfs:label ?l }", ds) == [{"l": "NATO"}]


def _tricky_store():
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = [ox.Literal('x\x01\x7f\u2028"\\\n\t\r\x08\x0c/é😀\x00\x1f'), ox.Literal("1", datatype=ox.NamedNode(xsd + "integer")),
               ox.Literal("hi", language="en-US"), ox.Literal("s", datatype=ox.NamedNode(xsd + "string")),
               ox.Literal("dir", language="ar", direction=ox.BaseDirection.RTL), ox.BlankNode("b2"),
               ox.Triple(ox.NamedNode("http://x/"), ox.NamedNode("http://y/"), ox.Literal("z")),
               ox.NamedNode("http://a/é?q=%3C")]
    st = ox.Store()
    for i, o in enumerate(objects):
        st.add(ox.Quad(ox.BlankNode("b1"), ox.NamedNode("http://p/"), o, ox.NamedNode(f"urn:g{i % 2}")))
    return st


@pytest.mark.parametrize("text", ["SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?o", "SELECT * WHERE {}",
                                  "SELECT * WHERE { ?s ?p ?o FILTER(false) }",
                                  "SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o ORDER BY ?o"])
def test_results_are_written_on_demand_byte_for_byte_as_pyoxigraph_writes_them(text):
    st = _tricky_store()
    res = run_query(st, text)
    engine = st.query(text, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    assert res.data == res.serialize("json") == engine
    for fmt, name in (("csv", "CSV"), ("tsv", "TSV"), ("xml", "XML")):
        again = ox.parse_query_results(engine, ox.QueryResultsFormat.JSON)
        assert res.serialize(fmt) == again.serialize(format=getattr(ox.QueryResultsFormat, name)), fmt
    back = QueryResult("select", engine)  # read back from the bytes: the same answer
    assert (back.variables, back.solutions(), back.rows()) == (res.variables, res.solutions(), res.rows())
    assert back == res and len(back) == len(res) == len(res.solutions())


def test_results_pickle_and_count_without_reading_again(store):
    import pickle

    res = run_query(store, "shared-bases")
    assert len(res) == 3 and res._data is None  # counted without writing (or reading) any bytes
    again = pickle.loads(pickle.dumps(res))
    assert again == res and again.rows(compact=True) == res.rows(compact=True)
    graph_res = run_query(store, "entity-subgraph", {"entity_iri": "akr:turkey"})
    assert len(graph_res) == len(graph_res.triples()) == graph_res.data.count(b"\n") > 20
    assert pickle.loads(pickle.dumps(graph_res)) == graph_res


@pytest.mark.parametrize("module", ["graph.query", "graph.query.library", "graph.query.sparqltext",
                                    "graph.query.params", "graph.query.results", "graph.query.run"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
