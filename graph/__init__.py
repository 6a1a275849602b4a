"""alliance-kg: a knowledge graph of military alliances and shared bases, built from documents.

The pipeline, one module per stage::

    corpus (read Markdown) -> extract (mentions, facts, evidence) -> build (RDF + ontology)
    -> reason / validate -> store / query (Oxigraph) -> export (NetworkX) -> view (HTML)

What a notebook needs is importable from here; modules load lazily, so
``import graph`` stays cheap.

>>> import graph
>>> docs = graph.read_corpus("corpus")          # doctest: +SKIP
>>> result = graph.build_dataset(docs)          # doctest: +SKIP
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "KGError": "errors",
    "Document": "corpus",
    "Sentence": "corpus",
    "read_corpus": "corpus",
    "read_document": "corpus",
    "parse_document": "corpus",
    "Fact": "extract",
    "Extraction": "extract",
    "extract_document": "extract",
    "extract_corpus": "extract",
    "load_lexicon": "lexicon",
    "build_dataset": "build",
    "build_graph": "build",
    "write_dataset": "build",
    "BuildResult": "build",
    "add_inferences": "reason",
    "validate_dataset": "validate",
    "validate_file": "validate",
    "list_queries": "query",
    "get_query": "query",
    "load_store": "query",
    "make_query": "query",
    "parse_metadata": "query",
    "NamedQuery": "query",
    "PreparedQuery": "query",
    "run_query": "query",
    "query_rows": "query",
    "query_df": "query",
    "QueryResult": "query",
    "open_store": "stores",
    "AKG": "namespaces",
    "AKR": "namespaces",
    "AKV": "namespaces",
    "PREFIXES": "namespaces",
    "to_networkx": "export",
    "from_construct": "export",
    "write_graph": "export",
    "view_graph": "select",
    "network": "view",
    "show": "view",
    "render_html": "view",
    "write_html": "view",
    "parameter_hints": "query.hints",
    "publish": "publish",
    "StoreOptions": "publish",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'graph' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
