"""The ontology (alliances.ttl) and its SHACL shapes (shapes.ttl): package data of alliance-kg.

pyproject.toml maps this folder into the package as ``graph.ontology``; graph/resources.py finds
the files. This file only makes the folder a package, so that an editable install finds it too.
"""
