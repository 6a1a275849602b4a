"""`kg query` and `kg queries` through the command line (in process, conftest.run_kg), on the graph built from corpus/."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from rdflib import Graph, Variable
from rdflib.plugins.sparql.results.jsonresults import JSONResultParser
from rdflib.plugins.sparql.results.tsvresults import TSVResultParser
from rdflib.plugins.sparql.results.xmlresults import XMLResultParser

from conftest import ROOT, run_kg

AKR = "https://w3id.org/alliance-kg/id/"


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ok(*args, **kw):
    r = run_kg("query", *args, **kw)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return r.stdout


def ok_bytes(*args) -> str:
    """stdout exactly as written (text mode would turn the CSV's CRLF into LF)."""
    r = run_kg("query", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout_bytes.decode("utf-8")


def fails(*args, code=2, **kw) -> str:
    """The one-line (or syntax-error block) message of a failing `kg query`."""
    r = run_kg("query", *args, **kw)
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ")
    return r.stderr


# --------------------------------------------------------------------------- kg queries


def test_queries_lists_the_library():
    r = run_kg("queries")
    assert r.returncode == 0, r.stderr
    for name in ("base-locations", "shared-bases", "memberships", "bases-by-country", "bases-shared-with",
                 "memberships-of", "alliance-areas-threats", "alliances-by-period", "entity-facts", "evidence",
                 "entity-subgraph"):
        assert name in r.stdout
    assert "partner" in r.stdout and "entity_iri" in r.stdout and "[country]" in r.stdout
    assert "Every military base and the country it is located in" in r.stdout
    assert "11 queries" in r.stdout


def test_queries_fits_80_columns_and_filters_by_tag():
    r = run_kg("queries", env={"COLUMNS": "80"})
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    r = run_kg("queries", "--tag", "contract")
    assert r.returncode == 0
    names = [n for n in ("base-locations", "shared-bases", "memberships ") if n in r.stdout]
    assert len(names) == 3 and "evidence" not in r.stdout and "3 queries" in r.stdout
    r = run_kg("queries", "--tag", "nope")
    assert r.returncode == 2 and "no query has the tag 'nope'" in r.stderr


# --------------------------------------------------------------------------- formats


def test_csv_keeps_full_iris_and_contract_columns(built_graph):
    out = ok_bytes("shared-bases", "--graph", built_graph, "--format", "csv")
    assert out.startswith("base,baseLabel,host,hostLabel,partner,partnerLabel\r\n")
    got = list(csv.DictReader(io.StringIO(out)))
    assert [(r["base"], r["baseLabel"], r["hostLabel"], r["partnerLabel"]) for r in got] == [
        (AKR + "al-udeid-air-base", "Al Udeid Air Base", "Qatar", "United States"),
        (AKR + "incirlik-air-base", "Incirlik Air Base", "Turkey", "Germany"),
        (AKR + "prince-sultan-air-base", "Prince Sultan Air Base", "Saudi Arabia", "United States"),
    ]
    rows = list(csv.DictReader(io.StringIO(ok("base-locations", "--graph", built_graph, "--format", "csv"))))
    assert [(r["baseLabel"], r["countryLabel"]) for r in rows] == [
        ("Al Udeid Air Base", "Qatar"), ("Incirlik Air Base", "Turkey"), ("Prince Sultan Air Base", "Saudi Arabia")]
    rows = list(csv.DictReader(io.StringIO(ok("memberships", "--graph", built_graph, "--format", "csv"))))
    assert rows == [{"member": AKR + "turkey", "memberLabel": "Turkey", "organization": AKR + "nato",
                     "organizationLabel": "NATO"}]


def test_json_is_sparql_results_json(built_graph):
    out = ok("shared-bases", "--graph", built_graph, "--format", "json")
    doc = json.loads(out)
    assert doc["head"]["vars"] == ["base", "baseLabel", "host", "hostLabel", "partner", "partnerLabel"]
    res = JSONResultParser().parse(io.StringIO(out))
    assert res.type == "SELECT"
    assert [str(v) for v in res.vars] == doc["head"]["vars"]
    got = [(str(b[Variable("base")]), str(b[Variable("partnerLabel")])) for b in res.bindings]
    assert got == [(AKR + "al-udeid-air-base", "United States"), (AKR + "incirlik-air-base", "Germany"),
                   (AKR + "prince-sultan-air-base", "United States")]


def test_xml_and_tsv_parse_back(built_graph):
    out = ok("bases-by-country", "--graph", built_graph, "--format", "xml")
    res = XMLResultParser().parse(io.BytesIO(out.encode()))
    assert [(str(b[Variable("countryLabel")]), int(b[Variable("bases")])) for b in res.bindings] == [
        ("Qatar", 1), ("Saudi Arabia", 1), ("Turkey", 1)]
    out = ok("bases-by-country", "--graph", built_graph, "--format", "tsv")
    assert out.splitlines()[0] == "?country\t?countryLabel\t?bases\t?baseLabels"
    res = TSVResultParser().parse(io.StringIO(out))
    assert [str(b[Variable("country")]) for b in res.bindings] == [AKR + "qatar", AKR + "saudi-arabia", AKR + "turkey"]


def test_ask_answers(built_graph):
    assert ok("-e", "ASK { akr:turkey akg:memberOf akr:nato }", "--graph", built_graph) == "true\n"
    assert ok("-e", "ASK { akr:germany akg:memberOf akr:nato }", "-g", built_graph, "-f", "json") == (
        '{"head":{},"boolean":false}\n')


def test_table_shows_labels_and_compact_iris_in_80_columns(built_graph):
    out = ok("shared-bases", "--graph", built_graph, env={"COLUMNS": "80"})
    assert max(len(line) for line in out.splitlines()) <= 80
    for text in ("Incirlik Air Base", "akr:incirlik-air-base", "Germany", "akr:germany", "Saudi Arabia",
                 "akr:prince-sultan-air-base", "3 rows"):
        assert text in out
    assert "https://" not in out
    out = ok("evidence", "-p", "entity_iri=akr:incirlik-air-base", "-g", built_graph, env={"COLUMNS": "80"})
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "akg:hostsForcesOf" in out and "forces-at-base" in out and "2 rows" in out
    assert "based in Incirlik Air Base," in out  # long text wraps at word boundaries


def test_construct_formats_parse_and_are_byte_identical(built_graph):
    args = ("entity-subgraph", "-p", "entity_iri=akr:turkey", "-g", built_graph)
    ttl = ok(*args)
    assert ttl == ok(*args)  # same input, same output
    assert "@prefix akr: <https://w3id.org/alliance-kg/id/> ." in ttl
    g_ttl = Graph().parse(data=ttl, format="turtle")
    g_nt = Graph().parse(data=ok(*args, "-f", "ntriples"), format="nt")
    g_json = Graph().parse(data=ok(*args, "-f", "jsonld"), format="json-ld")
    assert len(g_ttl) == len(g_nt) == len(g_json) > 20
    assert set(g_ttl) == set(g_nt) == set(g_json)
    from rdflib import URIRef

    akg = "https://w3id.org/alliance-kg/ontology#"
    assert (URIRef(AKR + "turkey"), URIRef(akg + "memberOf"), URIRef(AKR + "nato")) in g_nt
    assert (URIRef(AKR + "incirlik-air-base"), URIRef(akg + "locatedIn"), URIRef(AKR + "turkey")) in g_nt


def test_query_from_file_text_and_limit(built_graph, tmp_path):
    rq = tmp_path / "air.rq"
    rq.write_text("#+ summary: Air bases\nSELECT ?b WHERE { ?b a akg:AirBase } ORDER BY ?b\n", encoding="utf-8")
    out = ok(rq, "--graph", built_graph, "--format", "csv")
    assert out.splitlines() == ["b", AKR + "al-udeid-air-base", AKR + "incirlik-air-base",
                                AKR + "prince-sultan-air-base"]
    out = ok("-e", "SELECT ?b WHERE { ?b a akg:AirBase } ORDER BY ?b", "-g", built_graph, "-f", "csv", "--limit", "1")
    assert out.splitlines() == ["b", AKR + "al-udeid-air-base"]
    assert "Air bases" in ok(rq, "--graph", built_graph)


def test_trig_graph(built_trig):
    out = ok("base-locations", "--graph", built_trig, "--format", "csv")
    assert len(out.splitlines()) == 4


# --------------------------------------------------------------------------- parameters and injection


def test_parameters_from_the_command_line(built_graph):
    out = ok("bases-shared-with", "--param", "partner=USA", "-g", built_graph, "-f", "csv")
    assert [r["baseLabel"] for r in csv.DictReader(io.StringIO(out))] == ["Al Udeid Air Base", "Prince Sultan Air Base"]
    out = ok("memberships-of", "-p", "member=Turkey", "-g", built_graph, "-f", "csv")
    assert [r["organizationLabel"] for r in csv.DictReader(io.StringIO(out))] == ["NATO"]


@pytest.mark.parametrize("value", ['United States" || true || "', 'x" } ; DELETE WHERE { ?s ?p ?o } #'])
def test_injection_through_the_cli_matches_nothing_and_changes_nothing(built_graph, value):
    before = sha(built_graph)
    out = ok_bytes("bases-shared-with", "--param", f"partner={value}", "-g", built_graph, "-f", "csv")
    assert out == "base,baseLabel,host,hostLabel,partner,partnerLabel\r\n"
    r = run_kg("query", "bases-shared-with", "--param", f"partner={value}", "-g", built_graph)
    assert r.returncode == 0 and "0 rows" in r.stdout
    assert r.stderr.startswith(f"warning: parameter 'partner': no entity is named '{value}'")  # the hint, no more
    assert sha(built_graph) == before
    # and the graph still answers as before
    assert len(ok("shared-bases", "-g", built_graph, "-f", "csv").splitlines()) == 4


def test_injection_into_an_iri_parameter_is_refused(built_graph):
    before = sha(built_graph)
    err = fails("entity-facts", "-p", "entity_iri=akr:x> } ; DELETE WHERE { ?s ?p ?o } #", "-g", built_graph)
    assert "not an IRI" in err and "holds the character '>'" in err
    assert sha(built_graph) == before


def test_missing_parameter_names_it(built_graph):
    err = fails("bases-shared-with", "-g", built_graph)
    assert err == ("error: missing parameter 'partner' for query 'bases-shared-with' (pass --param partner=VALUE); "
                   "its parameters: partner (literal)\n")


def test_unknown_parameter_names_it(built_graph):
    err = fails("evidence", "-p", "entity=akr:turkey", "-p", "year=1952", "-g", built_graph)
    assert err == ("error: unknown parameter 'year' for query 'evidence'; "
                   "its parameters: [entity_iri] (iri, optional)\n")
    assert "takes name=value" in fails("evidence", "-p", "entity", "-g", built_graph)


# --------------------------------------------------------------------------- errors


def test_syntax_error_shows_line_column_and_the_line(built_graph):
    err = fails("-e", "SELECT ?x\nWHERE { ?x ?p ?o }\nORDER ?x", "-g", built_graph)
    assert err == ("error: SPARQL syntax error at line 3, column 9: expected BY\n"
                   "  3 | ORDER ?x\n"
                   "    |         ^\n")


def test_unknown_query_lists_close_names(built_graph):
    err = fails("shared-base", "-g", built_graph)
    assert err.startswith("error: unknown query 'shared-base'; did you mean shared-bases")
    assert len(err.strip().splitlines()) == 1


def test_missing_graph_says_how_to_build(tmp_path):
    err = fails("shared-bases", cwd=tmp_path)  # default --graph out/kg.ttl, relative to the working folder
    assert err == "error: out/kg.ttl: graph file not found; build it first with `kg build` (or pass --graph FILE)\n"


def test_timeout_stops_the_query_and_exits_non_zero(built_graph):
    err = fails("-e", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "-g", built_graph,
                "--timeout", "1", code=3)
    assert err.startswith("error: query timed out after 1 seconds and was stopped")


def test_updates_are_refused_unless_allowed(built_graph):
    before = sha(built_graph)
    for text, op in [("DELETE WHERE { ?s ?p ?o }", "DELETE"), ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
                     ("# a comment\nDROP ALL", "DROP"), ("CLEAR DEFAULT", "CLEAR"), ("LOAD <urn:x>", "LOAD")]:
        err = fails("-e", text, "-g", built_graph)
        assert f"SPARQL update ({op})" in err and "--allow-update" in err
    out = ok("-e", "DELETE WHERE { ?s ?p ?o }", "-g", built_graph, "--allow-update", env={"COLUMNS": "200"})
    assert "update applied to the in-memory copy" in out and "the graph file is unchanged" in out
    assert sha(built_graph) == before


def test_service_is_refused_unless_allowed(built_graph):
    err = fails("-e", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "-g", built_graph)
    assert "SERVICE" in err and "--allow-service" in err


def test_service_refusal_bypasses_are_refused(built_graph, tmp_path):
    refused = "error: 'query' calls a remote SPARQL SERVICE: refused; pass --allow-service to allow it\n"
    # a comment ended by a carriage return
    text = "SELECT * WHERE { ?s ?p ?o # note\rSERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert fails("-e", text, "-g", built_graph) == refused.replace("'query'", "'-e'")
    # a \\u escape inside an IRI that also holds ', from a .rq file
    rq = tmp_path / "query.rq"
    rq.write_text("SELECT * WHERE { <http://a/\\u0041'> ?p ?o . SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } # '\n")
    assert fails(rq, "-g", built_graph) == refused


def test_deep_nesting_is_a_one_line_error_not_a_crash(built_graph):
    text = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000  # about 6 KB: Oxigraph's parser overflowed
    assert fails("-e", text, "-g", built_graph) == (
        "error: query nested too deeply at line 1, column 216: more than 200 levels of { ( [ "
        "(the limit keeps the SPARQL engine from running out of stack)\n")


def test_format_must_suit_the_query(built_graph):
    assert "use turtle, ntriples, jsonld" in fails("entity-subgraph", "-p", "entity_iri=akr:turkey", "-f", "csv",
                                                   "-g", built_graph)
    assert "use table, csv, tsv, json, xml" in fails("shared-bases", "-f", "turtle", "-g", built_graph)
    assert "unknown --format 'yaml'" in fails("shared-bases", "-f", "yaml", "-g", built_graph)


def test_one_query_source(built_graph):
    assert "give one query" in fails("-g", built_graph)
    assert "give one query" in fails("shared-bases", "-e", "ASK {}", "-g", built_graph)


def test_docs_document_querying():
    """The README shows a query and sends the reader to docs/queries.md, which shows several."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "kg query" in readme and "docs/queries.md" in readme
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    assert text.count("kg query") >= 3


@pytest.mark.parametrize("args, error, message", [
    (["shared-base"], "UnknownQuery", "error: unknown query 'shared-base'"),
    (["bases-shared-with"], "MissingParameter", "error: missing parameter 'partner'"),
    (["shared-bases", "-p", "x=1"], "UnknownParameter", "error: unknown parameter 'x'"),
    (["entity-facts", "-p", "entity=akr:a", "-p", "entity_iri=akr:b"], "DuplicateParameter",
     "error: parameter 'entity_iri' given twice"),
    (["-e", "SELECT ?x WHERE {"], "QuerySyntaxError", "error: SPARQL syntax error at line 1"),
    (["-e", "CLEAR DEFAULT"], "ReadOnlyViolation", "error: '-e' is a SPARQL update (CLEAR)"),
    (["shared-bases", "--timeout", "0"], "BadOption", "error: --timeout must be a number of seconds above 0"),
    (["-e", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "--timeout", "1"], "QueryTimeout",
     "error: query timed out after 1 seconds"),
])
def test_exit_status_comes_from_the_table_of_error_types(built_graph, args, error, message):
    import graph.errors as errors

    code = errors.EXIT_CODES[getattr(errors, error)]
    assert code == (3 if error == "QueryTimeout" else 2)  # the codes `kg query` has always given
    assert fails(*args, "-g", built_graph, code=code).startswith(message)
