"""The notebooks (notebooks/*.ipynb) run top to bottom in a fresh kernel of this Python and draw their figures.

Each notebook is executed with nbclient in notebooks/ (as Jupyter runs it), by a kernel whose spec is written
at test time into a temporary JUPYTER_PATH and points at ``sys.executable``: the project's venv, never some
other ``python3`` kernel installed on the machine. A cell appended in memory reports the kernel's
``sys.prefix`` so the test can check that.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "alliance-kg-tests"
CELL_TIMEOUT = 120  # seconds per cell
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: notebook -> the figures (image/png outputs) it draws
FIGURES = {
    "01-tour.ipynb": 1,  # entities by class + facts by relation
    "02-sparql.ipynb": 0,  # tables only
    "03-network-analysis.ipynb": 5,  # hubs, communities, ego network, bases per country, map
    "04-add-a-document.ipynb": 2,  # before/after counts, the added subgraph
}

PROBE = "import json, sys; print('KERNEL-PREFIX ' + json.dumps(sys.prefix))"


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """A kernelspec for this interpreter, found first through a temporary JUPYTER_PATH."""
    path = tmp_path_factory.mktemp("jupyter")
    spec = path / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "alliance-kg tests",
        "language": "python",
    }), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", os.pathsep.join(filter(None, [str(path), os.environ.get("JUPYTER_PATH")])))
        yield KERNEL


def execute(name: str, kernel: str):
    """Run a notebook in notebooks/ with a probe cell appended; return the executed notebook."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{name}: a cell failed\n{exc}", pytrace=False)
    return nb


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def rich(nb, mime: str) -> list[str]:
    return [o["data"][mime] for o in outputs(nb) if o.output_type in ("display_data", "execute_result")
            and mime in o.get("data", {})]


def stdout(nb) -> str:
    return "".join(o.text for o in outputs(nb) if o.output_type == "stream" and o.name == "stdout")


def test_the_notebooks_are_the_four_described():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_committed_notebook_has_no_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert dirty == [], f"{name}: cells {dirty} keep outputs; strip them before committing"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebook_runs_and_draws(name, kernel_name):
    nb = execute(name, kernel_name)
    assert not [o for o in outputs(nb) if o.output_type == "error"]
    # the kernel was this interpreter (the project's venv)
    assert f"KERNEL-PREFIX {json.dumps(sys.prefix)}" in stdout(nb)
    # every figure rendered as a real PNG
    images = [base64.b64decode(png) for png in rich(nb, "image/png")]
    assert len(images) >= FIGURES[name], f"{name}: {len(images)} figures, expected {FIGURES[name]}"
    assert all(img.startswith(PNG_MAGIC) and len(img) > 5000 for img in images)
    html = rich(nb, "text/html")
    text = stdout(nb)
    if name == "01-tour.ipynb":
        assert any("<iframe srcdoc=" in h and "Incirlik Air Base" in h for h in html)
    elif name == "02-sparql.ipynb":
        import graph

        tables = [h for h in html if 'class="dataframe' in h]
        assert len(tables) >= len(graph.list_queries()) + 5
        assert "0 whose sentence is not the document's slice" in text
        assert "As an example, the German forces are based in Incirlik Air Base" in text
    elif name == "03-network-analysis.ipynb":
        assert "communities, modularity" in text
        assert "kg.graphml" in text
    elif name == "04-add-a-document.ipynb":
        assert "Camp Arifjan --akg:hostsForcesOf--> United States" in text
        assert "Kuwait --akg:memberOf--> Gulf Cooperation Council" in text
        assert any("<iframe srcdoc=" in h for h in html)
