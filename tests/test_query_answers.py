"""Answers that explain themselves: hints for parameter values that match nothing, answers as tables in
Jupyter and as DataFrames, case-insensitive formats, compacted JSON-LD (issue [5 of 7])."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.query import QueryResult, get_query, load_store, resolve_format
from graph.query.hints import parameter_hints
from graph.query.results import compact_jsonld


@pytest.fixture(scope="module")
def store(built_graph):
    return load_store(built_graph)


@pytest.mark.parametrize("name, params, expected", [
    ("entity-facts", {"entity_iri": "akr:turkye"},
     ["no entity 'akr:turkye'; did you mean akr:turkey (Turkey) or akr:qatar (Qatar)?"]),
    ("bases-shared-with", {"partner": "Germny"},
     ["parameter 'partner': no entity is named 'Germny'; did you mean 'Germany' (akr:germany)?"]),
    ("bases-shared-with", {"partner": "Zzzzqx"}, ["parameter 'partner': no entity is named 'Zzzzqx'"]),
    ("entity-facts", {"entity_iri": "akr:turkey"}, []),
    ("bases-shared-with", {"partner": "germany"}, []),  # case aside, as the query itself compares
    ("memberships-of", {"member": "Republic of Türkiye"}, []),  # an alternative label is a name
    ("shared-bases", {}, []),
])
def test_a_value_that_matches_no_entity_is_named_with_the_closest_ones(store, name, params, expected):
    assert parameter_hints(store, get_query(name).prepare(params)) == expected


def test_the_hint_values_are_bound_never_pasted(store):
    hostile = 'x" } ; DROP ALL ; SELECT * { "'
    hints = parameter_hints(store, get_query("bases-shared-with").prepare({"partner": hostile}))
    assert hints == [f"parameter 'partner': no entity is named '{hostile}'"]
    assert len(store) > 1000  # nothing dropped


@pytest.mark.parametrize("given, expected", [("CSV", "csv"), ("Tsv", "tsv"), ("JSON", "json"), ("table", "table")])
def test_format_names_are_case_insensitive(given, expected):
    assert resolve_format(get_query("shared-bases"), given) == expected


def test_graph_format_names_are_case_insensitive():
    assert resolve_format(get_query("entity-subgraph"), "JSONLD") == "jsonld"


def test_a_select_answer_is_an_html_table_in_jupyter_with_every_value_escaped():
    data = (b'{"head":{"vars":["base","baseLabel","n"]},"results":{"bindings":[{"base":{"type":"uri","value":'
            b'"https://w3id.org/alliance-kg/id/a"},"baseLabel":{"type":"literal","value":"<img src=x onerror=alert(1)>"},'
            b'"n":{"type":"literal","value":"3","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}')
    html = QueryResult("select", data, ["base", "baseLabel", "n"])._repr_html_()
    assert html == ("<table><thead><tr><th>base</th><th>n</th></tr></thead><tbody><tr>"
                    "<td>&lt;img src=x onerror=alert(1)&gt;<br><small>akr:a</small></td><td>3</td></tr>"
                    "</tbody></table><p><small>1 row</small></p>")


def test_a_select_answer_converts_to_a_dataframe(store):
    df = get_query("shared-bases").prepare().run(store).to_dataframe()
    assert list(df.columns) == ["base", "baseLabel", "host", "hostLabel", "partner", "partnerLabel"]
    assert df[["baseLabel", "hostLabel", "partnerLabel"]].values.tolist() == [
        ["Al Udeid Air Base", "Qatar", "United States"],
        ["Incirlik Air Base", "Turkey", "Germany"],
        ["Prince Sultan Air Base", "Saudi Arabia", "United States"],
    ]


def test_jsonld_is_compacted_with_the_project_context_and_indented(store):
    res = get_query("entity-subgraph").prepare({"entity_iri": "akr:germany"}).run(store)
    text = res.serialize("jsonld").decode("utf-8")
    doc = json.loads(text)
    assert doc["@context"]["akr"] == "https://w3id.org/alliance-kg/id/"
    assert text.startswith('{\n  "@context": {\n')
    germany = next(n for n in doc["@graph"] if n["@id"] == "akr:germany")
    assert germany["rdfs:label"] == "Germany" and "akg:Country" in germany["@type"]
    same = Graph().parse(data=text, format="json-ld")
    assert isomorphic(same, Graph().parse(data=res.serialize("ntriples").decode(), format="nt"))


def test_jsonld_keeps_languages_datatypes_and_blank_nodes():
    nt = (b'_:b <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
          b'_:b <http://example.org/q> "chat"@fr .\n')
    same = Graph().parse(data=compact_jsonld(nt).decode(), format="json-ld")
    assert isomorphic(same, Graph().parse(data=nt.decode(), format="nt"))


def test_a_missing_rq_file_is_reported_as_a_missing_file_not_an_unknown_query(tmp_path, monkeypatch):
    from graph.errors import UnknownQuery

    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnknownQuery) as err:
        get_query("nothere.rq")
    assert str(err.value) == "nothere.rq: query file not found (a library query is named without .rq: `kg queries` lists them)"
    assert get_query("shared-bases.rq").name == "shared-bases"  # a library name with .rq still works
