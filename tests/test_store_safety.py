"""Issue 14, items 4 and 5: atomic store folders and endpoints that do not lie.

* `kg build --store DIR` takes the store's lock before it builds, writes a complete new store beside
  DIR and swaps it in with one rename: a kill (SIGKILL) or Ctrl-C at any moment of the write leaves
  the old store as it was, and readers during a rebuild see the old graph or the new one, never a mix.
  A non-empty folder that is not a store is refused.
* The endpoint client follows no redirect for a POST, PUT or DELETE (it fails and names the
  `Location`), follows a GET's redirect only within the same origin (so `Authorization` never goes
  elsewhere), and checks after a write that every graph holds what was written.

The endpoints here are small http.server stand-ins on loopback, each in a thread.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.errors import KGError
from graph.query import run_query
from graph.stores import (EndpointRedirect, EndpointStore, StoreLock, disk_store, lock_store, store_siblings,
                          write_store_folder)

from conftest import CORPUS, KG, ROOT, run_kg

# --------------------------------------------------------------------------- store folders: helpers


def quads(db: Path) -> dict[str, int]:
    """Triples per named graph of a store folder."""
    st = disk_store(db)
    try:
        return {g: len(list(st.inner.quads_for_pattern(None, None, None, ox.NamedNode(g)))) for g in st.graphs()}
    finally:
        st.close()


def memberships(db: Path) -> list[tuple]:
    """The rows of the library's `memberships` query on a store folder, in process."""
    st = disk_store(db)
    try:
        return sorted(tuple(sorted(row.items())) for row in run_query(st, "memberships").rows())
    finally:
        st.close()


def cli_memberships(db: Path) -> str:
    r = run_kg("query", "memberships", "--store", db, "--format", "csv")
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def big_corpus(generated_corpus_200) -> Path:
    return generated_corpus_200


@pytest.fixture(scope="module")
def stores(tmp_path_factory, big_corpus):
    """The old store (corpus/, 2 documents) and what the new one (200 documents) holds, built once."""
    tmp = tmp_path_factory.mktemp("stores")
    old, new = tmp / "old", tmp / "new"
    for db, corpus in ((old, CORPUS), (new, big_corpus)):
        r = run_kg("build", "--corpus", corpus, "--store", db, "-q", "--no-validate", "--no-reason")
        assert r.returncode == 0, r.stderr
    # how long the write phase lasts here, from the new store folder's first appearance to the swap that
    # renames it into place (a rebuild of old with the big corpus): the kills are timed as fractions of
    # it, so that a fast machine does not see the build end before a kill
    db = _copy_store(old, tmp / "timed")
    proc = _start_build(big_corpus, db)
    assert _wait_for_write_phase(proc, db), proc.communicate()[1]
    began, folder = time.monotonic(), store_siblings(db)["new"]
    while folder.exists() and proc.poll() is None:
        time.sleep(0.002)
    write_s = time.monotonic() - began
    _out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    return {"old": old, "old_quads": quads(old), "old_rows": memberships(old), "old_csv": cli_memberships(old),
            "new_quads": quads(new), "new_rows": memberships(new), "write_s": write_s}


def _copy_store(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def _start_build(corpus: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen([*KG, "build", "--corpus", str(corpus), "--store", str(db), "-q", "--no-validate",
                             "--no-reason"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"})


def _wait_for_write_phase(proc: subprocess.Popen, db: Path, deadline_s: float = 240) -> bool:
    """Wait until the build starts writing (its new store folder appears beside DIR); False if it ended first."""
    new = store_siblings(db)["new"]
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if new.exists():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    raise AssertionError("the build never reached its write phase")


# --------------------------------------------------------------------------- kills and Ctrl-C


@pytest.mark.parametrize("part", [0.0, 0.25, 0.5])
def test_a_kill_during_the_write_leaves_the_old_store(stores, big_corpus, tmp_path, part):
    """SIGKILL at a few points of the write phase (its start, a quarter and half of the way to the swap,
    as timed once by the fixture): the store answers exactly as before (or, if the kill came after the swap,
    exactly as the new build: never a mix), and the next build cleans up."""
    delay = part * stores["write_s"]
    db = _copy_store(stores["old"], tmp_path / "db")
    proc = _start_build(big_corpus, db)
    reached = _wait_for_write_phase(proc, db)
    assert reached, proc.communicate()[1]
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, (f"the build ended before a kill {delay:.2f} s into its write phase "
                                                f"(timed at {stores['write_s']:.2f} s to the swap)")
    after = quads(db)
    assert after in (stores["old_quads"], stores["new_quads"])
    if after == stores["old_quads"]:
        assert cli_memberships(db) == stores["old_csv"]  # `kg query` answers the old rows exactly
        assert memberships(db) == stores["old_rows"]
    else:
        assert delay > 0, "the write phase ended before a kill sent as it began"
        assert memberships(db) == stores["new_rows"]
    # the next build takes over: leftovers removed, its graph in place, no lock file left
    r = run_kg("build", "--corpus", CORPUS, "--store", db, "-q", "--no-validate", "--no-reason")
    assert r.returncode == 0, r.stderr
    assert quads(db) == stores["old_quads"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kg-cache")) == ["db"]


def test_ctrl_c_during_the_write_leaves_the_old_store_and_no_work_folder(stores, big_corpus, tmp_path):
    db = _copy_store(stores["old"], tmp_path / "db")
    proc = _start_build(big_corpus, db)
    assert _wait_for_write_phase(proc, db), proc.communicate()[1]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert quads(db) == stores["old_quads"]
    assert cli_memberships(db) == stores["old_csv"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kg-cache")) == ["db"]  # work folder and lock file removed


def test_readers_during_a_rebuild_see_the_old_graph_or_the_new(stores, big_corpus, tmp_path):
    db = _copy_store(stores["old"], tmp_path / "db")
    seen: list[str] = []
    errors: list[str] = []
    done = threading.Event()
    new_folder = store_siblings(db)["new"]

    def read():
        while not done.is_set():
            writing = new_folder.exists()
            try:
                rows = memberships(db)
            except KGError as exc:
                errors.append(str(exc))
                continue
            state = "old" if rows == stores["old_rows"] else "new" if rows == stores["new_rows"] else "mixed"
            seen.append(f"{state}{'-writing' if writing else ''}")

    proc = _start_build(big_corpus, db)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        _, err = proc.communicate(timeout=300)
        time.sleep(0.2)
    finally:
        done.set()
        reader.join(timeout=60)
    assert proc.returncode == 0, err
    assert "mixed" not in {s.split("-")[0] for s in seen}, seen
    assert errors == []
    assert "old-writing" in seen  # read while the new store was being written
    assert seen[-1] == "new"
    # the states come in order: old ... old, new ... new
    states = [s.split("-")[0] for s in seen]
    assert states == sorted(states, key=lambda s: s == "new")


# --------------------------------------------------------------------------- the lock, refused folders


def test_the_lock_is_taken_before_the_build(tmp_path):
    """A second writer fails at once with one line, before reading the corpus (here: one that does not exist)."""
    db = tmp_path / "db"
    with StoreLock(db):
        r = run_kg("build", "--corpus", tmp_path / "no-such-corpus", "--store", db)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"error: {db}: another `kg build` is writing this store (its lock .db.kg-lock "
                                "is held); try again when it has finished")
    assert not db.exists()
    r = run_kg("build", "--corpus", CORPUS, "--store", db, "-q")  # released: the build runs
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kg-cache")) == ["db"]


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me\n", encoding="utf-8")
    r = run_kg("build", "--corpus", CORPUS, "--store", notes)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"error: {notes}: not empty and not an Oxigraph store")
    assert [p.name for p in notes.iterdir()] == ["todo.txt"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kg-cache")) == ["notes"]
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    r = run_kg("build", "--corpus", CORPUS, "--store", a_file)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {a_file}: not a folder")
    r = run_kg("query", "memberships", "--store", notes)
    assert r.returncode == 2 and r.stderr.strip() == (f"error: {notes}: not an Oxigraph store folder; "
                                                      "build one with `kg build --store DIR`")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_kg("build", "--corpus", CORPUS, "--store", empty, "-q")  # an empty folder is fine
    assert r.returncode == 0, r.stderr
    assert len(quads(empty)) == 5


def test_a_swap_stopped_between_its_two_renames_is_undone(stores, tmp_path):
    """Where the atomic exchange is not offered the swap is two renames; stopped between them, readers
    use the old store and the next writer puts it back."""
    db = tmp_path / "db"
    _copy_store(stores["old"], store_siblings(db)["old"])
    assert not db.exists()
    assert memberships(db) == stores["old_rows"]
    lock_store(db).release()
    assert db.is_dir() and not store_siblings(db)["old"].exists()
    assert quads(db) == stores["old_quads"]


def test_the_two_rename_swap_where_no_atomic_exchange_is_offered(stores, tmp_path, monkeypatch):
    import graph.stores.oxigraph as store_module
    from rdflib import Dataset, URIRef

    db = _copy_store(stores["old"], tmp_path / "db")
    monkeypatch.setattr(store_module, "_exchange", lambda a, b: False)
    ds = Dataset()
    ds.graph(URIRef("https://w3id.org/alliance-kg/graph/doc/here")).add((URIRef("urn:s"), URIRef("urn:p"),
                                                                         URIRef("urn:o")))
    assert write_store_folder(ds, db) == {"graphs": 1, "dropped": len(stores["old_quads"]), "triples": 1}
    assert quads(db) == {"https://w3id.org/alliance-kg/graph/doc/here": 1}
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kg-cache")) == ["db"]


def test_graphs_outside_the_project_are_carried_over(tmp_path):
    from rdflib import Dataset, URIRef

    db = tmp_path / "db"
    st = disk_store(db, writable=True)
    st.replace_graph("urn:team:notes", b"<urn:a> <urn:b> _:x .\n_:x <urn:c> \"kept\" .\n")
    st.replace_graph("https://w3id.org/alliance-kg/graph/doc/gone", b"<urn:a> <urn:b> <urn:c> .\n")
    st.inner.add(ox.Quad(ox.NamedNode("urn:d"), ox.NamedNode("urn:e"), ox.Literal("default")))
    st.close()
    ds = Dataset()
    ds.graph(URIRef("https://w3id.org/alliance-kg/graph/doc/here")).add((URIRef("urn:s"), URIRef("urn:p"),
                                                                         URIRef("urn:o")))
    assert write_store_folder(ds, db) == {"graphs": 1, "dropped": 1, "triples": 1}
    assert quads(db) == {"https://w3id.org/alliance-kg/graph/doc/here": 1, "urn:team:notes": 2}
    st = disk_store(db)
    assert len(list(st.inner.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 1
    st.close()


# --------------------------------------------------------------------------- endpoints: stand-in servers


def _handler(seen: list, redirect_to: str | None = None, code: int = 302, redirect_paths: tuple = (),
             target: str | None = None):
    """A stand-in endpoint: records every request; answers ``redirect_paths`` with a redirect to
    ``redirect_to`` + ``target`` (default: the same path), queries with an empty result, and writes
    with success (storing nothing)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            seen.append((self.command, self.path, dict(self.headers), body))
            path = urllib.parse.urlsplit(self.path).path
            if path in redirect_paths:
                self.send_response(code)
                self.send_header("Location", (redirect_to or "") + (target or self.path))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.command in ("PUT", "DELETE") or path == "/update":
                self.send_response(204)
                self.end_headers()
                return
            if self.command == "GET":
                data, ctype = b"moved here", "text/plain"
            else:
                answer = {"head": {}, "boolean": True} if b"ASK" in body else \
                    {"head": {"vars": ["g", "n"]}, "results": {"bindings": []}}
                data, ctype = json.dumps(answer).encode(), "application/sparql-results+json"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def serving(handler):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def redirecting(code: int, paths: tuple):
    """Server A redirects ``paths`` to server B on another port; yields (A's root, A's log, B's log)."""
    at_a, at_b = [], []
    with serving(_handler(at_b)) as b, serving(_handler(at_a, b, code, paths)) as a:
        yield a, at_a, at_b


REDIRECTS = [301, 302, 303, 307, 308]


@pytest.mark.parametrize("code", REDIRECTS)
def test_no_redirect_is_followed_for_a_write(code):
    with redirecting(code, ("/store", "/update", "/sparql")) as (a, at_a, at_b):
        gsp = EndpointStore(a + "/query", token="T0K", read_only=False)  # Graph Store Protocol at /store
        for write in (lambda: gsp.replace_graph("urn:g", b"<urn:a> <urn:b> <urn:c> .\n"),
                      lambda: gsp.drop_graph("urn:g")):
            with pytest.raises(EndpointRedirect) as err:
                write()
            assert err.value.location.startswith("http://127.0.0.1:") and not err.value.location.startswith(a)
            assert f"answered a redirect (HTTP {code}) to http://127.0.0.1:" in str(err.value)
            assert "not followed for a " in str(err.value) and "\n" not in str(err.value)
        sparql = EndpointStore(a + "/ds/sparql", a + "/update", auth="alice:s3cret", read_only=False)
        with pytest.raises(EndpointRedirect, match=f"HTTP {code}.*not followed for a POST"):
            sparql.update("DROP SILENT GRAPH <urn:g>")
        with pytest.raises(EndpointRedirect) as err:
            sparql.replace_graph("urn:g", b"<urn:a> <urn:b> <urn:c> .\n")
        assert err.value.location.endswith("/update")
    assert at_b == []  # nothing reached the other origin: no body, no Authorization
    assert [m for m, *_ in at_a] == ["PUT", "DELETE", "POST", "POST"]


@pytest.mark.parametrize("code", REDIRECTS)
def test_a_query_is_not_redirected_and_credentials_stay_home(code):
    with redirecting(code, ("/query",)) as (a, at_a, at_b):
        store = EndpointStore(a + "/query", token="T0K")
        with pytest.raises(EndpointRedirect) as err:
            store.query("SELECT * WHERE { ?s ?p ?o }", use_default_graph_as_union=False)
        assert err.value.location.startswith("http://127.0.0.1:") and err.value.location.endswith("/query")
        assert not err.value.location.startswith(a)
    assert at_b == []
    assert at_a[0][2]["Authorization"] == "Bearer T0K"


@pytest.mark.parametrize("code", REDIRECTS)
def test_a_get_follows_a_redirect_only_within_its_origin(code):
    seen: list = []
    with serving(_handler(seen, "", code, ("/old",), target="/moved")) as a:  # Location: /moved, same origin
        store = EndpointStore(a + "/query", token="T0K")
        assert store._request("GET", a + "/old", None) == b"moved here"
    assert [(m, p, h["Authorization"]) for m, p, h, _ in seen] == [("GET", "/old", "Bearer T0K"),
                                                                   ("GET", "/moved", "Bearer T0K")]
    with redirecting(code, ("/old",)) as (a, at_a, at_b):
        store = EndpointStore(a + "/query", token="T0K")
        with pytest.raises(EndpointRedirect, match="to another origin.*credentials stay with the endpoint"):
            store._request("GET", a + "/old", None)
    assert at_b == [] and len(at_a) == 1


def test_any_other_3xx_on_a_write_is_an_error():
    seen: list = []
    with serving(_handler(seen, "http://127.0.0.1:1", 300, ("/store",))) as a:
        store = EndpointStore(a + "/query", read_only=False)
        with pytest.raises(EndpointRedirect, match="HTTP 300"):
            store.replace_graph("urn:g", b"<urn:a> <urn:b> <urn:c> .\n")


@pytest.mark.parametrize("code, path, extra", [(303, "/update", ["--update-endpoint", "{a}/update"]),
                                               (302, "/store", []), (307, "/store", [])])
def test_kg_build_refuses_a_redirected_write(code, path, extra):
    with redirecting(code, (path,)) as (a, at_a, at_b):
        args = [x.format(a=a) for x in extra]
        r = run_kg("build", "--corpus", CORPUS, "--endpoint", a + "/query", "--token", "T0K", *args)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1, r.stderr
    assert f"answered a redirect (HTTP {code}) to http://127.0.0.1:" in r.stderr
    assert "named graphs replaced" not in r.stdout
    assert at_b == []


@pytest.mark.parametrize("extra", [[], ["--update-endpoint", "{a}/update"]], ids=["graph-store", "update"])
def test_kg_build_fails_when_the_endpoint_stores_nothing(extra):
    """A server that answers every write with success and keeps nothing: the check after the write catches it."""
    seen: list = []
    with serving(_handler(seen)) as a:
        args = [x.format(a=a) for x in extra]
        r = run_kg("build", "--corpus", CORPUS, "--endpoint", a + "/query", *args)
    assert r.returncode == 2
    assert "named graphs replaced" not in r.stdout
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"error: endpoint {a}/query: the write did not land: graph <https://w3id.org/"
                               "alliance-kg/graph/doc/shared-military-bases> holds 0 triples after ")
    assert "(and 4 more graphs differ)" in r.stderr
    writes = [m for m, p, *_ in seen if m == "PUT" or p == "/update"]
    assert len(writes) == 5
