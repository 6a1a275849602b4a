"""`kg build`: the graph from corpus/, its evidence, determinism and bad input."""

from __future__ import annotations

import csv
import io
import shutil

import pyoxigraph as ox
import pytest

from conftest import CORPUS, run_kg

PREFIX = """
PREFIX akg: <https://w3id.org/alliance-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

# The facts of the seed corpus (gold.tsv), copied here with the sentence that states each one.
SENT_USA = ("Some Islamic nations and the U.S. share military bases, such as Al Udeid Air Base in Qatar and "
            "Prince Sultan Air Base in Saudi Arabia, which are armed with defensive and offensive capabilities.")
SENT_GER = ("As an example, the German forces are based in Incirlik Air Base, in NATO ally Turkey, reflecting a "
            "broader strategic alliance.")
GOLD = [
    ("locatedIn", "Al Udeid Air Base", "Qatar", SENT_USA),
    ("hostsForcesOf", "Al Udeid Air Base", "United States", SENT_USA),
    ("locatedIn", "Prince Sultan Air Base", "Saudi Arabia", SENT_USA),
    ("hostsForcesOf", "Prince Sultan Air Base", "United States", SENT_USA),
    ("locatedIn", "Incirlik Air Base", "Turkey", SENT_GER),
    ("hostsForcesOf", "Incirlik Air Base", "Germany", SENT_GER),
    ("memberOf", "Turkey", "NATO", SENT_GER),
]


def _store(path):
    st = ox.Store()
    st.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return st


def _csv(*args):
    r = run_kg(*args)
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


@pytest.mark.parametrize("prop, subj, obj, sentence", GOLD, ids=[f"{g[1]}-{g[0]}-{g[2]}" for g in GOLD])
def test_every_gold_fact_is_in_the_graph_with_its_evidence(built_graph, prop, subj, obj, sentence):
    st = _store(built_graph)
    q = PREFIX + """
    SELECT ?path ?quote ?start ?end WHERE {
      VALUES (?sl ?ol ?p) { (%s %s %s) }
      ?s rdfs:label ?sl . ?o rdfs:label ?ol .
      ?s ?p ?o .
      ?st a akg:Statement ; akg:statementSubject ?s ; akg:statementProperty ?p ; akg:statementObject ?o ;
          prov:wasDerivedFrom ?ev .
      ?ev oa:hasSource ?doc ; oa:hasSelector ?qs , ?ps .
      ?doc akg:path ?path .
      ?qs a oa:TextQuoteSelector ; oa:exact ?quote .
      ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    }"""
    q = q % (ox.Literal(subj), ox.Literal(obj), ox.NamedNode("https://w3id.org/alliance-kg/ontology#" + prop))
    rows = list(st.query(q))
    assert len(rows) == 1
    row = rows[0]
    assert row["path"].value == "shared-military-bases.md"
    text = (CORPUS / "shared-military-bases.md").read_text(encoding="utf-8")
    start, end = int(row["start"].value), int(row["end"].value)
    assert row["quote"].value == text[start:end] == sentence


def test_contract_queries_return_exactly_the_gold_rows(built_graph):
    rows = _csv("query", "base-locations", "--graph", built_graph, "--format", "csv")
    assert [(r["baseLabel"], r["countryLabel"]) for r in rows] == [
        ("Al Udeid Air Base", "Qatar"), ("Incirlik Air Base", "Turkey"), ("Prince Sultan Air Base", "Saudi Arabia")]
    assert rows[0]["base"] == "https://w3id.org/alliance-kg/id/al-udeid-air-base"
    rows = _csv("query", "shared-bases", "--graph", built_graph, "--format", "csv")
    assert [(r["baseLabel"], r["hostLabel"], r["partnerLabel"]) for r in rows] == [
        ("Al Udeid Air Base", "Qatar", "United States"),
        ("Incirlik Air Base", "Turkey", "Germany"),
        ("Prince Sultan Air Base", "Saudi Arabia", "United States")]
    assert list(rows[0]) == ["base", "baseLabel", "host", "hostLabel", "partner", "partnerLabel"]
    rows = _csv("query", "memberships", "--graph", built_graph, "--format", "csv")
    assert [(r["memberLabel"], r["organizationLabel"]) for r in rows] == [("Turkey", "NATO")]
    assert list(rows[0]) == ["member", "memberLabel", "organization", "organizationLabel"]


def test_entities_carry_reference_data(built_graph):
    st = _store(built_graph)
    q = PREFIX + """PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
    SELECT ?wd ?iso ?lat WHERE { <https://w3id.org/alliance-kg/id/turkey> akg:wikidata ?wd ; akg:isoCode ?iso ;
                                 wgs:lat ?lat }"""
    (row,) = list(st.query(q))
    assert (row["wd"].value, row["iso"].value) == ("http://www.wikidata.org/entity/Q43", "TUR")


def test_entities_are_described_once_with_the_most_specific_type_only(built_trig):
    st = ox.Store()
    st.load(path=str(built_trig), format=ox.RdfFormat.TRIG)
    q = """SELECT ?g WHERE { GRAPH ?g { <https://w3id.org/alliance-kg/id/turkey> <http://www.w3.org/2000/01/rdf-schema#label> ?l } }"""
    assert [r["g"].value for r in st.query(q)] == ["https://w3id.org/alliance-kg/graph/entities"]
    q = """SELECT ?t WHERE { GRAPH <https://w3id.org/alliance-kg/graph/entities> {
             <https://w3id.org/alliance-kg/id/incirlik-air-base> a ?t } }"""
    assert [r["t"].value for r in st.query(q)] == ["https://w3id.org/alliance-kg/ontology#AirBase"]


def test_documents_are_resources_with_title_and_path(built_graph):
    st = _store(built_graph)
    q = PREFIX + "SELECT ?path ?title ?n WHERE { ?d a akg:Document ; akg:path ?path ; dcterms:title ?title ; akg:characterCount ?n } ORDER BY ?path"
    got = [(r["path"].value, r["title"].value, int(r["n"].value)) for r in st.query(q)]
    assert got == [
        ("shared-military-bases.md", "Shared Military Bases in Islamic Nations",
         len((CORPUS / "shared-military-bases.md").read_text(encoding="utf-8"))),
        ("strategic-military-alliances.md",
         "Strategic Military Alliances: A Key Aspect of Islamic Nations' National Security Policy",
         len((CORPUS / "strategic-military-alliances.md").read_text(encoding="utf-8"))),
    ]


def test_competency_questions_have_answers(built_graph):
    st = _store(built_graph)
    q = PREFIX + """SELECT ?p (COUNT(*) AS ?n) WHERE { ?a ?p ?c . VALUES ?p { akg:coversArea akg:addressesThreat akg:formedIn } }
                    GROUP BY ?p ORDER BY ?p"""
    counts = {r["p"].value.split("#")[1]: int(r["n"].value) for r in st.query(q)}
    assert set(counts) == {"coversArea", "addressesThreat", "formedIn"}
    q = PREFIX + """SELECT ?c WHERE { <https://w3id.org/alliance-kg/id/alliances-of-islamic-nations> akg:addressesThreat ?c }
                    ORDER BY ?c"""
    assert [r["c"].value.rsplit("/", 1)[1] for r in st.query(q)] == [
        "cyber-warfare", "nuclear-threats", "regional-threats", "terrorism"]
    q = PREFIX + """SELECT ?c WHERE { <https://w3id.org/alliance-kg/id/alliances-of-islamic-nations> akg:formedIn ?c }
                    ORDER BY ?c"""
    assert [r["c"].value.rsplit("/", 1)[1] for r in st.query(q)] == ["cold-war", "contemporary-era"]


@pytest.mark.parametrize("ext", ["ttl", "trig", "nq", "jsonld"])
def test_two_builds_write_the_same_bytes(tmp_path, ext):
    a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
    for out in (a, b):
        r = run_kg("build", "--corpus", CORPUS, "--out", out, "--quiet")
        assert r.returncode == 0, r.stderr
    assert a.read_bytes() == b.read_bytes()


def test_trig_keeps_one_named_graph_per_document(built_trig):
    ds = ox.Store()
    ds.load(path=str(built_trig), format=ox.RdfFormat.TRIG)
    graphs = sorted(g.value for g in ds.named_graphs())
    assert "https://w3id.org/alliance-kg/graph/doc/shared-military-bases" in graphs
    assert "https://w3id.org/alliance-kg/graph/doc/strategic-military-alliances" in graphs
    assert "https://w3id.org/alliance-kg/graph/ontology" in graphs
    assert "https://w3id.org/alliance-kg/graph/entities" in graphs


def test_a_fact_stated_in_two_documents_is_one_statement_with_two_evidences(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nGerman forces are based at Incirlik Air Base in Turkey.\n")
    (corpus / "b.md").write_text("# B\n\nIncirlik Air Base in Turkey hosts German troops.\n")
    out = tmp_path / "kg.ttl"
    r = run_kg("build", "--corpus", corpus, "--out", out)
    assert r.returncode == 0, r.stderr
    q = PREFIX + """SELECT ?st (COUNT(DISTINCT ?ev) AS ?n) WHERE {
        ?st akg:statementProperty akg:hostsForcesOf ; prov:wasDerivedFrom ?ev } GROUP BY ?st"""
    rows = list(_store(out).query(q))
    assert len(rows) == 1 and int(rows[0]["n"].value) == 2


def test_summary_reports_documents_entities_facts_and_empty_documents(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nGerman forces are based at Incirlik Air Base in Turkey.\n")
    (corpus / "recipe.md").write_text("# Bread\n\nMix flour and water, then bake it.\n")
    r = run_kg("build", "--corpus", corpus, "--out", tmp_path / "kg.ttl")
    assert r.returncode == 0, r.stderr
    assert "2 documents" in r.stdout
    assert "recipe.md: no recognisable entities" in r.stdout
    assert "hostsForcesOf" in r.stdout and "AirBase" in r.stdout


def test_several_corpus_folders(tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "gulf.md").write_text("# Gulf\n\nKuwait hosts U.S. Army units at Camp Arifjan.\n")
    out = tmp_path / "kg.ttl"
    r = run_kg("build", "--corpus", CORPUS, "--corpus", extra, "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    rows = _csv("query", "base-locations", "--graph", out, "--format", "csv")
    assert ("Camp Arifjan", "Kuwait") in [(x["baseLabel"], x["countryLabel"]) for x in rows]


# --------------------------------------------------------------------------- bad input


def _bad_corpus(tmp_path, name, data):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(CORPUS / "shared-military-bases.md", corpus)
    (corpus / name).write_bytes(data)
    return corpus


@pytest.mark.parametrize(
    "setup, expected",
    [
        (lambda t: t / "missing", "missing: corpus folder not found"),
        (lambda t: (t / "empty").mkdir() or t / "empty", "empty: no Markdown documents (*.md) in the corpus folder"),
        (lambda t: _bad_corpus(t, "latin.md", "# T\n\nT\u00fcrkiye\n".encode("latin-1")), "latin.md:3: not UTF-8"),
        (lambda t: _bad_corpus(t, "image.md", b"\x89PNG\r\n\x1a\n\x00\x00"), "image.md:3: binary file"),
        (lambda t: _bad_corpus(t, "blank.md", b"\n  \n"), "blank.md: empty document"),
    ],
    ids=["missing-folder", "empty-folder", "not-utf8", "binary", "empty-document"],
)
def test_bad_corpus_gives_one_line_error_and_writes_nothing(tmp_path, setup, expected):
    corpus = setup(tmp_path)
    out = tmp_path / "out" / "kg.ttl"
    r = run_kg("build", "--corpus", corpus, "--out", out)
    assert r.returncode != 0
    assert expected in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_malformed_ontology_names_file_and_line_and_keeps_the_old_output(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix a: <http://x/#> .\na:b a:c .\n")
    out = tmp_path / "kg.ttl"
    out.write_text("previous build\n")
    r = run_kg("build", "--ontology", bad, "--out", out)
    assert r.returncode != 0
    assert f"{bad}:2: malformed Turtle" in r.stderr
    assert out.read_text() == "previous build\n"
    assert [p.name for p in tmp_path.iterdir()] == sorted(["bad.ttl", "kg.ttl"]) or set(
        p.name for p in tmp_path.iterdir()) == {"bad.ttl", "kg.ttl"}


def test_unknown_output_extension_is_refused(tmp_path):
    r = run_kg("build", "--out", tmp_path / "kg.xlsx")
    assert r.returncode != 0 and "unknown output format '.xlsx'" in r.stderr


def test_documents_that_disagree_leave_one_country_and_one_year_and_are_reported(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nAl Udeid Air Base in Qatar hosts US troops. The Baghdad Pact was signed "
                                 "in 1955. Turkey joined NATO in 1952.\n\nAl Udeid Air Base in Qatar is large.\n")
    (corpus / "b.md").write_text("# B\n\nAl Udeid Air Base in Saudi Arabia is big. The Baghdad Pact was founded in "
                                 "1954. The Baghdad Pact was dissolved in 1950. Turkey joined NATO in 1951.\n")
    out = tmp_path / "kg.ttl"
    r = run_kg("build", "--corpus", corpus, "--out", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "conflict: Al Udeid Air Base: located in Qatar (2 sentences), not Saudi Arabia (1)" in r.stdout
    assert "conflict: Baghdad Pact: startYear 1954, not 1955" in r.stdout
    assert "conflict: Baghdad Pact: end year 1950 before start year 1954, end year dropped" in r.stdout
    rows = _csv("query", "base-locations", "--graph", out, "--format", "csv")
    assert [(x["baseLabel"], x["countryLabel"]) for x in rows] == [("Al Udeid Air Base", "Qatar")]
    st = _store(out)
    q = PREFIX + """SELECT ?y WHERE { ?st akg:statementSubject <https://w3id.org/alliance-kg/id/turkey> ;
                                       akg:statementObject <https://w3id.org/alliance-kg/id/nato> ; akg:startYear ?y }"""
    assert [r["y"].value for r in st.query(q)] == ["1951"]
