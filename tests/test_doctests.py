"""The short examples in the docstrings of the extraction, build and store modules run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["graph.corpus", "graph.extract", "graph.depmatch", "graph.discourse", "graph.build", "graph.lexicon",
           "graph.rdfio", "graph.stores.base", "graph.stores.memory", "graph.stores.oxigraph", "graph.stores.http",
           "graph.stores.endpoint", "graph.stores.registry"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
