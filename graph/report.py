"""Terminal output: build summaries, result tables, CSV, progress bars."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path


def print_summary(summary, out: Path | str) -> None:
    """The short summary ``kg build`` prints: documents, entities by type, facts by relation."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=100)
    console.print(
        f"Built [bold]{out}[/]: {summary.documents} documents, {sum(summary.facts.values())} facts "
        f"({summary.evidence} pieces of evidence), {summary.triples} triples"
        + (f", {summary.inferred} inferred" if summary.inferred else "")
    )
    t = Table(show_header=True, box=None, pad_edge=False)
    t.add_column("entities by type")
    t.add_column("n", justify="right")
    for kind, n in sorted(summary.entities.items()):
        t.add_row(kind, str(n))
    f = Table(show_header=True, box=None, pad_edge=False)
    f.add_column("facts by relation")
    f.add_column("n", justify="right")
    for prop, n in sorted(summary.facts.items()):
        f.add_row(prop, str(n))
    grid = Table.grid(padding=(0, 4))
    grid.add_row(t, f)
    console.print(grid)
    for path in summary.empty_documents:
        console.print(f"[yellow]note:[/] {path}: no recognisable entities")


def print_rows(cols: list[str], rows: list[dict[str, str]], title: str = "") -> None:
    """Rows as a table that fits an 80-column terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=title or None, show_lines=False)
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*(r.get(c, "") for c in cols))
    console.print(t)
    console.print(f"{len(rows)} rows")


def write_csv(cols: list[str], rows: list[dict[str, str]], fh) -> None:
    w = csv.writer(fh, lineterminator="\r\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])


@contextlib.contextmanager
def progress_bar(total: int, enabled: bool = True):
    """Yield an ``advance(doc)`` callback that moves a rich progress bar (or does nothing)."""
    if not enabled:
        yield lambda _doc=None: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as prog:
        task = prog.add_task("extracting", total=total)
        yield lambda _doc=None: prog.advance(task)
