"""The package as a user gets it: a wheel built from the checkout and installed into a fresh venv
outside it runs `kg build`, `kg queries`, `kg query` and `kg view` there, with its data files
(ontology, shapes, queries, lexicon, template, rules) found inside the installed package; and every
third-party module the code imports is a declared dependency with a lower bound.

The wheel is built without build isolation (setuptools comes with the [dev] extra) and installed
with --no-deps into a venv that sees this venv's dependencies through a .pth file, so the test
downloads nothing; the venv's own site-packages comes first, so `graph` is the wheel's copy.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, run_kg

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: what `pip install .` reads from the checkout
SOURCES = ("pyproject.toml", "README.md", "graph", "ontology", "queries")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _run(cmd, cwd, timeout=180):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["COLUMNS"] = "200"
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout's sources (the checkout itself is left untouched)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
              "-w", tmp / "dist", src], cwd=tmp)
    assert r.returncode == 0, f"pip wheel failed (setuptools>=77 comes with the [dev] extra):\n{r.stderr[-3000:]}"
    wheels = list((tmp / "dist").glob("alliance_kg-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed (--no-deps); the dependencies are
    this venv's, seen through a .pth file placed after the new venv's own site-packages."""
    root = tmp_path_factory.mktemp("venv") / "v"
    r = _run([sys.executable, "-m", "venv", "--without-pip", root], cwd=root.parent)
    assert r.returncode == 0, r.stderr
    python = root / "bin" / "python"
    r = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root)
    site = Path(r.stdout.strip())
    assert site.is_relative_to(root), site
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "project-dependencies.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    r = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
             cwd=root.parent)
    assert r.returncode == 0, r.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def work(venv, tmp_path_factory) -> Path:
    """A folder outside the checkout holding a copy of corpus/, where the installed kg runs."""
    work = tmp_path_factory.mktemp("work")
    shutil.copytree(CORPUS, work / "corpus")
    assert not work.is_relative_to(ROOT)
    return work


def test_the_wheel_carries_every_subpackage_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"graph/ontology/{n}" for n in ("alliances.ttl", "shapes.ttl")}
    expected |= {f"graph/queries/{p.name}" for p in (ROOT / "queries").glob("*.rq")}
    expected |= {f"graph/lexicon/{p.name}" for p in (ROOT / "graph" / "lexicon").glob("*.tsv")}
    expected |= {"graph/templates/network.html", "graph/rules/relations.toml", "graph/resources.py"}
    # the page's own script and style, the vis-network it inlines (with its licences), the map outlines
    expected |= {f"graph/templates/{n}" for n in ("network.js", "map.js", "network.css")}
    expected |= {f"graph/templates/vendor/{n}" for n in ("vis-network.min.js", "vis-network.min.css", "LICENSE-MIT",
                                                          "LICENSE-APACHE-2.0")}
    expected |= {f"graph/data/{n}" for n in ("world-110m.json", "SOURCE.md", "LICENSE-world-atlas")}
    assert len(expected) == 2 + 11 + 5 + 3 + 3 + 4 + 3
    assert sorted(expected - names) == []
    # every package of the source tree, so a new subpackage of graph/ must be listed in pyproject.toml
    packages = sorted("/".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "graph").rglob("__init__.py")
                      if "__pycache__" not in p.parts)
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert missing == [], f"add {[p.replace('/', '.') for p in missing]} to [tool.setuptools] packages"
    assert not any(n.startswith(("ontology/", "queries/", "corpus/", "tests/")) for n in names)


def test_installed_package_reads_its_data_from_the_venv(venv, work):
    r = _run([venv / "bin" / "python", "-c", "import json, graph, graph.resources as r, graph.query as q\n"
              "print(json.dumps([graph.__file__, str(r.ontology_path()), str(r.shapes_path()), str(r.queries_dir()),"
              " str(r.lexicon_dir()), str(r.template_path()), str(r.rules_path()), str(q.QUERIES_DIR)]))"], cwd=work)
    assert r.returncode == 0, r.stderr
    paths = [Path(p) for p in json.loads(r.stdout)]
    assert [p for p in paths if not (p.is_relative_to(venv) and p.exists())] == []  # not the checkout's
    assert [p.name for p in paths[1:]] == ["alliances.ttl", "shapes.ttl", "queries", "lexicon", "network.html",
                                          "relations.toml", "queries"]


def test_installed_kg_builds_lists_queries_and_views(venv, work, built_graph):
    kg = venv / "bin" / "kg"
    r = _run([kg, "build", "--corpus", "corpus", "--out", "out/kg.ttl"], cwd=work)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Built out/kg.ttl: 2 documents, 26 facts"), r.stdout

    r = _run([kg, "queries"], cwd=work)
    assert r.returncode == 0, r.stderr
    names = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    assert len(names) == 11 and f"{len(names)} queries" in r.stdout
    assert [n for n in names if n not in r.stdout] == []

    # the same rows as the checkout's own kg gives on the graph the checkout builds
    r = _run([kg, "query", "shared-bases", "--graph", "out/kg.ttl", "--format", "csv"], cwd=work)
    assert r.returncode == 0, r.stderr
    ours = run_kg("query", "shared-bases", "--graph", built_graph, "--format", "csv")
    assert ours.returncode == 0, ours.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows == list(csv.reader(io.StringIO(ours.stdout)))
    assert sorted((row[1], row[3], row[5]) for row in rows[1:]) == [
        ("Al Udeid Air Base", "Qatar", "United States"), ("Incirlik Air Base", "Turkey", "Germany"),
        ("Prince Sultan Air Base", "Saudi Arabia", "United States")]

    r = _run([kg, "view", "--graph", "out/kg.ttl", "--out", "out/network.html"], cwd=work)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Wrote out/network.html: 28 nodes, 26 edges"
    page = (work / "out" / "network.html").read_text(encoding="utf-8")
    assert "Incirlik Air Base" in page and "vis.Network" in page


# --------------------------------------------------------------------------- declared dependencies


def _requirements(entries) -> dict[str, str]:
    """{normalised distribution name: version spec} of requirement strings."""
    out = {}
    for entry in entries:
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^]]*\])?\s*([^;]*)", entry)
        out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2).strip()
    return out


def _imports(sources) -> set[str]:
    """Top-level names of the third-party modules that Python sources import."""
    local = {"graph", "benchmarks", "conftest"} | {p.stem for p in (ROOT / "tests").glob("*.py")}
    found = set()
    for text in sources:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in local}


def _distributions(modules) -> set[str]:
    dists = packages_distributions()
    return {re.sub(r"[-_.]+", "-", dists.get(m, [m])[0]).lower() for m in modules}


def _notebook_sources():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                yield "\n".join(line for line in "".join(cell["source"]).splitlines()
                                if not line.lstrip().startswith(("%", "!")))


def test_every_import_is_a_declared_dependency_with_a_lower_bound():
    project = PYPROJECT["project"]
    core = _requirements(project["dependencies"])
    extras = {name: _requirements(reqs) for name, reqs in project["optional-dependencies"].items()}
    unbounded = [f"{name}{spec}" for reqs in (core, *extras.values()) for name, spec in reqs.items()
                 if not re.search(r">=|==|~=", spec)]
    assert unbounded == []

    def py(folder):
        return [p.read_text(encoding="utf-8") for p in sorted((ROOT / folder).rglob("*.py"))
                if "__pycache__" not in p.parts]

    # graph/: core, or an optional extra (pandas for query_df, IPython for view.show in notebooks)
    needed = _distributions(_imports(py("graph")))
    assert {"numpy", "rdflib", "pyoxigraph", "spacy"} <= needed
    assert sorted(needed - set(core) - set(extras["pandas"]) - set(extras["notebook"])) == []
    for name in ("numpy", "networkx", "rdflib", "typer"):
        assert name in core
    # the tests and benchmarks: core and [dev]; the notebooks: core and [notebook]
    needed = _distributions(_imports(py("tests") + py("benchmarks")))
    assert {"pytest", "hypothesis", "nbclient", "nbformat", "playwright"} <= needed
    assert sorted(needed - set(core) - set(extras["dev"])) == []
    needed = _distributions(_imports(_notebook_sources()))
    assert {"pandas", "matplotlib"} <= needed
    assert sorted(needed - set(core) - set(extras["notebook"])) == []
    assert "nbmake" not in extras["dev"]  # nothing uses it


def test_resources_examples_in_the_checkout():
    """graph/resources.py's examples, in the editable install: the top-level folders are the package's data."""
    import doctest

    import graph.resources as resources

    result = doctest.testmod(resources)
    assert result.attempted == 6 and result.failed == 0, result
    assert resources.ontology_path() == ROOT / "ontology" / "alliances.ttl"
    assert resources.queries_dir() == ROOT / "queries"
    assert resources.lexicon_dir() == ROOT / "graph" / "lexicon"
