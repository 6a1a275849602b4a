"""Where the package's own data files are: the ontology and its SHACL shapes, the query library,
the lexicon, the page template and the extraction rules.

Every reader asks here, and each path is found with :mod:`importlib.resources`, so the files are
found the same way in an editable install (``pip install -e .``), in ``pip install .`` and from a
wheel. The ontology and the query library stay at the top of the repository (``ontology/``,
``queries/``): pyproject.toml maps those folders into the package as the subpackages
``graph.ontology`` and ``graph.queries`` (one copy in git; a wheel carries them as package data).
The lexicon, the template and the rules are folders of ``graph/`` itself.

>>> ontology_path().name, shapes_path().name
('alliances.ttl', 'shapes.ttl')
>>> (queries_dir() / "shared-bases.rq").is_file()
True
>>> sorted(p.name for p in lexicon_dir().glob("c*.tsv"))
['cities.tsv', 'countries.tsv']
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["ontology_dir", "ontology_path", "shapes_path", "queries_dir", "lexicon_dir", "template_path",
           "rules_path"]


def _path(package: str, *parts: str) -> Path:
    """A file or folder of an installed package as a path (the package is always installed as files,
    never zipped: its readers hand paths to rdflib, pyoxigraph and spaCy)."""
    found = files(package)
    for part in parts:
        found = found / part
    return Path(str(found))


def ontology_dir() -> Path:
    """The folder of the ontology and the shapes (the repository's ``ontology/``).

    >>> ontology_dir().name
    'ontology'
    """
    return _path("graph.ontology")


def ontology_path() -> Path:
    """The ontology, ``alliances.ttl`` (OWL/SKOS, Turtle): the default of ``kg build --ontology``."""
    return ontology_dir() / "alliances.ttl"


def shapes_path() -> Path:
    """The SHACL shapes, ``shapes.ttl``: the default of ``kg validate --shapes``."""
    return ontology_dir() / "shapes.ttl"


def queries_dir() -> Path:
    """The query library: one ``.rq`` file per named query (the repository's ``queries/``).

    >>> sorted(p.stem for p in queries_dir().glob("*.rq"))[:2]
    ['alliance-areas-threats', 'alliances-by-period']
    """
    return _path("graph.queries")


def lexicon_dir() -> Path:
    """The lexicon's TSV files (countries, organizations, bases, cities, forces)."""
    return _path("graph", "lexicon")


def template_path(name: str = "network.html") -> Path:
    """A page template of ``kg view``.

    >>> template_path().name
    'network.html'
    """
    return _path("graph", "templates", name)


def rules_path() -> Path:
    """The dependency rules of the extractor, ``relations.toml``."""
    return _path("graph", "rules", "relations.toml")
