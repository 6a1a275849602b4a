"""The query library, one SPARQL ``.rq`` file per named query: package data of alliance-kg.

pyproject.toml maps this folder into the package as ``graph.queries``; graph/resources.py finds
the files. This file only makes the folder a package, so that an editable install finds it too.
"""
