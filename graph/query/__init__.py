"""Run SPARQL over the built graph with Oxigraph (pyoxigraph), in process.

The query library is the folder ``queries/``: one ``.rq`` file per question,
opening with grlc-style ``#+`` comment lines (summary, description, tags, params).
Parameters follow the grlc/BASIL convention: ``?_name`` is a required literal,
``?_name_iri`` an IRI, ``?__name`` optional; users pass them as ``name=value``
(``partner=Germany``, ``entity_iri=akr:turkey``).

A query runs one way: a :class:`NamedQuery` (library name, ``.rq`` file or text) is
prepared once, :meth:`NamedQuery.prepare` (checked: no update, no SERVICE, valid syntax;
parameters bound), and the :class:`PreparedQuery` runs on any store, giving a
:class:`QueryResult` (rows, terms, or a W3C format). :func:`run_query`, :func:`query_rows`
and :func:`query_df` do it in one call. Each failure has its own type in :mod:`graph.errors`
(:class:`UnknownParameter`, :class:`QueryTimeout`, ...), all of them :class:`~graph.errors.KGError`.

The package, one module per concern:

* :mod:`.library`: the query library and its metadata;
* :mod:`.sparqltext`: SPARQL text (tokens, form, refused operations, nesting, syntax, LIMIT);
* :mod:`.params`: parameters, their values and the VALUES binding;
* :mod:`.results`: :class:`QueryResult` and the output formats;
* :mod:`.run`: loading a graph file, running (with time limits), the notebook API.

>>> q = get_query("base-locations")
>>> q.summary
'Every military base and the country it is located in'
>>> [p.name for p in get_query("bases-shared-with").params]
['partner']
>>> store = load_store("out/kg.ttl")                                   # doctest: +SKIP
>>> run_query(store, "bases-shared-with", {"partner": "USA"}).rows()  # doctest: +SKIP
"""

from __future__ import annotations

from ..errors import (BadOption, BadParameterValue, DuplicateParameter, GraphNotFound, MissingParameter,
                      ParameterError, QueryFailed, QuerySyntaxError, QueryTimeout, QueryTooDeep,
                      ReadOnlyViolation, ServiceRefused, UnknownParameter, UnknownQuery, UnreadableGraph,
                      UnreadableQuery, WrongQueryForm)
from .library import QUERIES_DIR, NamedQuery, get_query, list_queries, make_query, parse_metadata, resolve_query
from .params import XSD, Param, bind_params, find_params, match_params, param_term, parse_iri, parse_param_options
from .results import (GRAPH_FORMATS, RESULTS_FORMATS, QueryResult, compact_iri, display_text, resolve_format,
                      to_python)
from .run import (DEFAULT_GRAPH, MAX_TIMEOUT, RDF_FORMATS, PreparedQuery, call_with_timeout, check_timeout,
                  evaluate, load_store, open_source, prepare, query_df, query_rows, remote_context_hint,
                  run_query, update)
from .sparqltext import (MAX_NESTING, MAX_TERM_NESTING, UPDATE_KEYWORDS, _tokens, check_nesting, check_syntax,
                         forbidden_operations, format_syntax_error, grammar_operations, nesting_error, query_form,
                         with_limit)

__all__ = [
    # the library
    "QUERIES_DIR", "NamedQuery", "get_query", "list_queries", "make_query", "parse_metadata", "resolve_query",
    # SPARQL text
    "UPDATE_KEYWORDS", "MAX_NESTING", "MAX_TERM_NESTING", "check_nesting", "check_syntax", "forbidden_operations",
    "format_syntax_error", "grammar_operations", "nesting_error", "query_form", "with_limit",
    # parameters
    "XSD", "Param", "bind_params", "find_params", "match_params", "param_term", "parse_iri", "parse_param_options",
    # results
    "GRAPH_FORMATS", "RESULTS_FORMATS", "QueryResult", "compact_iri", "display_text", "resolve_format", "to_python",
    # running
    "DEFAULT_GRAPH", "MAX_TIMEOUT", "RDF_FORMATS", "PreparedQuery", "call_with_timeout", "check_timeout",
    "evaluate", "load_store", "open_source", "prepare", "query_df", "query_rows", "remote_context_hint",
    "run_query", "update",
    # errors (graph.errors)
    "BadOption", "BadParameterValue", "DuplicateParameter", "GraphNotFound", "MissingParameter", "ParameterError",
    "QueryFailed", "QuerySyntaxError", "QueryTimeout", "QueryTooDeep", "ReadOnlyViolation", "ServiceRefused",
    "UnknownParameter", "UnknownQuery", "UnreadableGraph", "UnreadableQuery", "WrongQueryForm",
]
