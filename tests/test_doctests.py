"""The short examples in the docstrings of the extraction, build, validation and store modules run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["graph.corpus", "graph.extract", "graph.extract.model", "graph.extract.mentions", "graph.extract.cues",
           "graph.extract.windows", "graph.extract.evidence", "graph.extract.aliases", "graph.extract.referring",
           "graph.extract.lists", "graph.extract.orgs", "graph.extract.surface", "graph.extract.parsed",
           "graph.extract.document", "graph.depmatch", "graph.deprules", "graph.depanchor", "graph.discourse",
           "graph.build", "graph.cache", "graph.cache_records", "graph.buildlock", "graph.build_rdf", "graph.build_merge", "graph.serialize", "graph.validate_report",
           "graph.validate_load", "graph.validate_sparql", "graph.shacl_sparql", "graph.validate_scaled",
           "graph.validate_store_terms", "graph.validate_spool", "graph.turtle", "graph.extsort", "graph.spool", "graph.quads", "graph.build_stream", "graph.build_child", "graph.lexicon", "graph.rdfio", "graph.stores.base",
           "graph.stores.memory", "graph.stores.oxigraph", "graph.stores.http", "graph.stores.endpoint",
           "graph.stores.registry", "graph.select", "graph.layout", "graph.netdata", "graph.mapdata", "graph.view",
           "graph.vocab", "graph.namespaces", "graph.resources", "graph.stages", "graph.report", "graph.publish",
           "graph.query.results", "graph.query.table", "graph.query.params", "graph.query.sparqltext",
           "graph.query.library", "graph.query.run", "graph.errors"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
