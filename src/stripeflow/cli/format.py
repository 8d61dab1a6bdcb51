"""Renderables for the terminal, kept apart from printing so they can be tested as values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from stripeflow.sync.context import Progress as Progress_
from stripeflow.sync.engine import SyncReport

if TYPE_CHECKING:
    from stripeflow.lake.datasets import DatasetInfo

_STATUS_STYLE = {"success": "green", "failed": "bold red"}


def progress_bars(console: Console) -> Progress:
    """One bar per resource: it pulses while the resource runs and fills when it is done."""
    return Progress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("[bold]{task.description:<21}"),
        TextColumn("{task.fields[phase]:<22}"),
        BarColumn(bar_width=24),
        TextColumn("{task.fields[records]:>10} records"),
        TextColumn("{task.fields[requests]:>7} requests"),
        TextColumn("{task.fields[throttled]:>5} 429s"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def progress_fields(item: Progress_) -> dict[str, Any]:
    return {
        "phase": item.phase,
        "records": f"{item.records:,}",
        "requests": f"{item.metrics.requests:,}",
        "throttled": f"{item.metrics.throttled:,}",
    }


def format_summary(report: SyncReport) -> Table:
    mode = "live" if report.livemode else "test"
    table = Table(title=f"Sync of {report.account} ({mode} mode) in {report.seconds:.1f}s", title_justify="left")
    for column in ("resource", "status", "mode", "records", "deleted", "requests", "429s", "dataset / error"):
        table.add_column(column, justify="right" if column in ("records", "deleted", "requests", "429s") else "left")
    for item in report.resources.values():
        detail = item.error or item.dataset
        if item.note and not item.error:
            detail = f"{detail}\n[dim]{item.note}[/dim]"
        table.add_row(
            item.name,
            f"[{_STATUS_STYLE.get(item.status, '')}]{item.status}[/]",
            item.mode or "-",
            f"{item.records:,}",
            f"{item.deleted:,}",
            f"{item.requests:,}",
            f"{item.throttled:,}",
            detail,
        )
    return table


def dataset_json(info: DatasetInfo) -> dict[str, object]:
    return {
        "name": info.name,
        "path": str(info.path),
        "rows": info.rows,
        "deleted_rows": info.deleted_rows,
        "version": info.version,
        "last_batch_id": info.last_batch_id,
        "last_write_at": info.last_write_at.isoformat() if info.last_write_at else None,
    }


def format_datasets(datasets: Iterable[DatasetInfo]) -> Table:
    table = Table(title="Datasets", title_justify="left")
    for column in ("name", "rows", "deleted", "version", "last batch", "last write", "path"):
        table.add_column(column, justify="right" if column in ("rows", "deleted", "version") else "left")
    for info in datasets:
        table.add_row(
            info.name,
            f"{info.rows:,}",
            f"{info.deleted_rows:,}",
            str(info.version),
            info.last_batch_id or "-",
            info.last_write_at.isoformat(timespec="seconds") if info.last_write_at else "-",
            str(info.path),
        )
    return table
