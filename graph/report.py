"""Terminal output: build summaries, result tables, the query library, the stages of a build."""

from __future__ import annotations

from pathlib import Path

from .errors import terminal_safe


def _markup_safe(text) -> str:
    """Text from documents or file names inside rich markup: no markup of its own, no control codes."""
    from rich.markup import escape

    return escape(terminal_safe(text))


def print_summary(summary, out: Path | str) -> None:
    """The short summary ``kg build`` prints: documents, entities by type, facts by relation."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=100)
    console.print(
        f"Built [bold]{_markup_safe(out)}[/]: {summary.documents} documents, {sum(summary.facts.values())} facts "
        f"({summary.evidence} pieces of evidence), {summary.triples} triples"
        + (f", {summary.inferred} inferred" if summary.inferred else "")
    )
    t = Table(show_header=True, box=None, pad_edge=False)
    t.add_column("entities by type")
    t.add_column("n", justify="right")
    for kind, n in sorted(summary.entities.items()):
        t.add_row(_markup_safe(kind), str(n))
    f = Table(show_header=True, box=None, pad_edge=False)
    f.add_column("facts by relation")
    f.add_column("n", justify="right")
    for prop, n in sorted(summary.facts.items()):
        f.add_row(_markup_safe(prop), str(n))
    grid = Table.grid(padding=(0, 4))
    grid.add_row(t, f)
    console.print(grid)
    for path in summary.empty_documents:
        console.print(f"[yellow]note:[/] {_markup_safe(path)}: no recognisable entities")
    for note in getattr(summary, "conflicts", []):
        console.print(f"[yellow]conflict:[/] {_markup_safe(note)}")


def print_result(result, title: str = "", console=None, labels: bool | None = None) -> None:
    """A query answer on the terminal: a table of labels and compact IRIs (akr:incirlik-air-base)
    for SELECT, ``true``/``false`` for ASK, a one-line note for an update.

    Fits the terminal's width (80 columns when not a terminal and COLUMNS is unset):
    IRIs fold, long text wraps. ``labels=True`` shows a labelled value by its label only; by default
    (None) that is chosen when labels and IRIs together would not fit the terminal but labels do.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    if result.kind == "ask":
        console.print("true" if result.boolean else "false")
        return
    if result.kind == "update":
        console.print(f"update applied to the in-memory copy of the graph ({result.changed:+d} quads); "
                      "the graph file is unchanged")
        return
    from .query.table import table_columns

    cols = table_columns(result.variables)
    index = {v: i for i, v in enumerate(result.variables)}
    solutions = result.solutions()

    def layout(only_labels: bool):
        cells = [[_cell(sol, index, var, label, only_labels) for var, label in cols] for sol in solutions]
        headers = []
        for var, label in cols:
            header = Text(terminal_safe(var if only_labels else (label or var)))
            if label and not only_labels:
                header.append("\n" + terminal_safe(var), style="dim")
            headers.append(header)
        return cells, headers

    cells, headers = layout(bool(labels))
    if labels is None and not _fits(headers, cells, console.width) and any(label for _, label in cols):
        narrow = layout(True)
        if _fits(narrow[1], narrow[0], console.width):
            cells, headers, labels = narrow[0], narrow[1], True
    if title:
        console.print(Text(terminal_safe(title), style="bold"))
    if _fits(headers, cells, console.width):
        merged = any(label for _, label in cols) and not labels
        t = Table(show_lines=merged and len(solutions) > 0)
        for k, (var, _label) in enumerate(cols):
            numeric = bool(solutions) and all(_is_number(sol[index[var]]) for sol in solutions
                                              if sol[index[var]] is not None)
            t.add_column(headers[k], overflow="fold", justify="right" if numeric else "left")
        for row in cells:
            t.add_row(*row)
        console.print(t)
    else:  # too wide for the terminal: one block of "name  value" lines per row
        for n, row in enumerate(cells, 1):
            console.rule(Text(f"{n}", style="dim"), align="left", style="dim")
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True, style="bold")
            grid.add_column(overflow="fold")
            for (var, label), cell in zip(cols, row):
                grid.add_row(Text(terminal_safe(var)), cell)
            console.print(grid)
    console.print(f"{len(solutions)} row{'' if len(solutions) == 1 else 's'}")


def _cell(sol, index: dict[str, int], var: str, label: str | None, only_labels: bool = False):
    """A table cell: the value (a label over its dim compact IRI for a labelled variable; the label
    alone with ``only_labels``, or the compact IRI when there is no label)."""
    from rich.text import Text

    from .query import display_text

    term = sol[index[var]]
    if not label:
        return Text(terminal_safe(display_text(term)))
    cell = Text(terminal_safe(display_text(sol[index[label]])))
    if only_labels:
        return cell if cell.plain else Text(terminal_safe(display_text(term)))
    if term is not None:
        cell.append(("\n" if cell.plain else "") + terminal_safe(display_text(term)), style="dim")
    return cell


def _fits(headers, cells, width: int, widest: int = 40) -> bool:
    """Whether a table of these cells is readable in ``width`` columns (cells capped at ``widest``)."""
    need = 1 + 3 * len(headers)
    for k, header in enumerate(headers):
        lines = [header.plain] + [c[k].plain for c in cells]
        need += min(max(len(x) for text in lines for x in (text.split("\n") or [""])), widest)
    return need <= width


def _is_number(term) -> bool:
    if type(term).__name__ != "Literal":
        return False
    return term.datatype.value.rsplit("#", 1)[-1] in ("integer", "decimal", "double", "float", "int", "long")


def print_queries(queries, console=None) -> None:
    """The query library as a table: name, what it answers, its parameters ([optional])."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    t = Table(show_lines=False)
    t.add_column("name", no_wrap=True)
    t.add_column("summary", overflow="fold", ratio=1)
    t.add_column("parameters", overflow="fold")
    for q in queries:
        t.add_row(Text(terminal_safe(q.name)), Text(terminal_safe(q.summary)),
                  Text(terminal_safe(", ".join(str(p) for p in q.params))))
    console.print(t)
    console.print(f"{len(queries)} queries; run one with `kg query NAME [--param name=value]`")


class StageDisplay:
    """Every stage of a long command on one rich progress display, on stderr: a bar with a count for a
    stage of known length (extract: documents), a spinner for the others, each with its time.

    >>> with StageDisplay(enabled=False) as display:
    ...     display.start("read", None); display.end("read", 0.1)
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._progress = None
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> "StageDisplay":
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
            from rich.progress import TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description:<14}"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=True)
            self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    def start(self, name: str, total: int | None) -> None:
        if self._progress is not None:
            self._tasks[name] = self._progress.add_task(name, total=total)

    def advance(self, name: str, detail: object = None) -> None:
        if self._progress is not None and name in self._tasks:
            self._progress.advance(self._tasks[name])

    def end(self, name: str, seconds: float) -> None:
        if self._progress is not None and name in self._tasks:
            task = self._tasks.pop(name)
            self._progress.update(task, description=f"{name} {seconds:.1f} s")
            self._progress.stop_task(task)
