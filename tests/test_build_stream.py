"""The streamed build: what the spool holds and what is written from it equals what rdflib writes of
the same graphs."""

from __future__ import annotations

import pytest

from conftest import CORPUS
from graph.build import build_graph, write_built
from graph.serialize import serialize
from graph.spool import QuadSpool


def test_the_spool_splits_lines_at_newlines_only():
    # rdflib leaves U+2028, U+0085 and form feeds raw inside literals; str.splitlines would cut there
    lines = ['<urn:s> <urn:p> "a\u2028b\x85c\x0cd" .', '<urn:s> <urn:q> "e" .']
    with QuadSpool() as spool:
        spool.add_graph("urn:g", lines)
        assert spool.graph_lines("urn:g") == lines
        assert list(spool.graph_ntriples()) == [("urn:g", ("\n".join(sorted(lines)) + "\n").encode("utf-8"))]
        assert len(spool.dataset()) == 2


@pytest.mark.parametrize("ext, fmt", [("ttl", "turtle"), ("nq", "nquads"), ("nt", "nt"), ("trig", "trig")])
def test_what_the_build_writes_is_what_rdflib_writes(tmp_path, ext, fmt):
    result = build_graph(CORPUS)
    try:
        write_built(result, tmp_path / f"kg.{ext}")
        assert (tmp_path / f"kg.{ext}").read_bytes() == serialize(result.dataset, fmt)
    finally:
        result.close()


def test_a_closed_build_leaves_no_temporary_folder():
    result = build_graph(CORPUS, reason=False, validate=False)
    folders = [result.spool.dir, result.extractions.dir]
    assert all(f.is_dir() for f in folders)
    result.close()
    assert not any(f.exists() for f in folders)


def test_a_spool_folder_left_by_a_dead_process_is_removed_and_a_live_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"kg-spool-{int(done.stdout)}-abc"
    live = tmp_path / f"kg-spool-{os.getppid()}-def"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "quads.nq").write_text("x", encoding="utf-8")
    with QuadSpool(tmp_path) as spool:
        assert spool.dir.parent == tmp_path
        assert not dead.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]


def test_a_process_that_never_closes_its_spool_leaves_no_folder(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from graph.spool import QuadSpool, ExtractionSpool; "
            "s, e = QuadSpool(sys.argv[1]), ExtractionSpool(sys.argv[1]); s.add_graph('urn:g', ['<urn:s> <urn:p> <urn:o> .']); "
            "print(s.dir.is_dir() and e.dir.is_dir())")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    assert list(tmp_path.iterdir()) == []


def test_a_documents_streamed_inferences_and_the_closures_are_written_once(monkeypatch):
    """A document's shortcut inferences go to the spool as the document is made; when the closure later
    infers the same triple about the document node (here through a second property, one with an inverse,
    that is also a sub-property of schema:mentions), the inferred graph still holds it once, and holds
    what the reasoner infers from the same triples."""
    from types import SimpleNamespace

    from rdflib import Graph, URIRef

    import graph.build_stream as bs
    from graph.build import load_ontology
    from graph.namespaces import AKG, AKR, INFERRED_GRAPH, SCHEMA
    from graph.quads import DocumentQuads
    from graph.reason import infer

    onto = load_ontology()
    onto.parse(data=f"""
        <{AKG}cites> a <http://www.w3.org/2002/07/owl#ObjectProperty> ;
            <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <{SCHEMA}mentions> ;
            <http://www.w3.org/2002/07/owl#inverseOf> <{AKG}citedBy> .
        <{AKG}citedBy> a <http://www.w3.org/2002/07/owl#ObjectProperty> .
    """, format="turtle")
    d, x, y = (URIRef(AKR[n]) for n in ("doc-a", "germany", "turkey"))
    triples = [(d, URIRef(f"{bs.RDF.type}"), AKG.Document), (d, AKG.mentions, x), (d, AKG.mentions, y), (d, AKG.cites, x)]
    dq = DocumentQuads(graph="urn:g:a", document=d.n3(), lines=[f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in triples])
    monkeypatch.setattr(bs, "document_quads", lambda ex, entities, graph: dq)
    with QuadSpool() as spool:
        rdf = bs.StreamedRDF(spool, onto)
        rdf.add_document(SimpleNamespace(doc=SimpleNamespace(path="a.md")), {})
        assert rdf.streamed == 2  # d schema:mentions x, d schema:mentions y
        rdf.finish()
        n = rdf.reason()
        lines = spool.graph_lines(str(INFERRED_GRAPH))
    assert n == len(lines) == len(set(lines))
    assert lines.count(f"{d.n3()} {SCHEMA.mentions.n3()} {x.n3()} .") == 1
    data = Graph()
    for t in triples:
        data.add(t)
    assert sorted(lines) == sorted(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in infer(data, onto))


def test_the_rdf_and_reasoning_process_killed_is_a_one_line_error_and_leaves_no_spool(monkeypatch, tmp_path):
    import os
    import signal
    import tempfile

    import graph.build as build
    from graph.build_child import StageProcessDied

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(build, "_rdf", lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(StageProcessDied, match=r"^the build's RDF and reasoning process ended without an answer "
                                               r"\(exit code -9\); nothing was written$"):
        build_graph(CORPUS, validate=False)
    assert list(tmp_path.iterdir()) == []  # neither spool left


def test_an_error_in_the_forked_stages_is_raised_as_itself(monkeypatch):
    from graph.reason import Reasoner, ReasoningError

    def closure(self, fed, asserted):
        raise ReasoningError("the data contradict the ontology: a test")

    monkeypatch.setattr(Reasoner, "closure", closure)
    with pytest.raises(ReasoningError, match="^the data contradict the ontology: a test$"):
        build_graph(CORPUS, validate=False)


def test_the_forked_stages_give_what_the_same_stages_give_in_process(monkeypatch):
    import graph.build_child as child

    forked = build_graph(CORPUS)
    monkeypatch.setattr(child, "forking", lambda: False)
    here = build_graph(CORPUS)
    try:
        assert forked.summary == here.summary and forked.facts == here.facts
        assert list(forked.stages.timings)[:3] == list(here.stages.timings)[:3] == ["read", "extract", "merge and RDF"]
        assert "reason" in forked.stages.timings and "reason" in here.stages.timings
        assert list(forked.spool.graph_ntriples()) == list(here.spool.graph_ntriples())
        assert len(forked.spool) == len(here.spool)
        forked.spool.add_graph("urn:g:after", ["<urn:s> <urn:p> <urn:o> ."])  # the parent writes after the child's quads
        assert forked.spool.graph_lines("urn:g:after") == ["<urn:s> <urn:p> <urn:o> ."]
        assert len(forked.spool.dataset()) == len(here.spool.dataset()) + 1
    finally:
        forked.close()
        here.close()
