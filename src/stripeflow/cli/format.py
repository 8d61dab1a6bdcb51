"""Renderables for the terminal, kept apart from printing so they can be tested as values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    numeric = ("records", "deleted", "requests", "429s", "mapped", "rejected")
    for column in ("resource", "status", "mode", "records", "deleted", "requests", "429s", "mapped", "rejected"):
        table.add_column(column, justify="right" if column in numeric else "left")
    for item in report.resources.values():
        mapped = item.mapped or {}
        table.add_row(
            item.name,
            f"[{_STATUS_STYLE.get(item.status, '')}]{item.status}[/]",
            item.mode or "-",
            f"{item.records:,}",
            f"{item.deleted:,}",
            f"{item.requests:,}",
            f"{item.throttled:,}",
            f"{mapped['output']:,}" if mapped else "-",
            f"{mapped['failed']:,}" if mapped else "-",
        )
    return table


def format_destinations(report: SyncReport) -> str:
    """Per resource: where its rows went (catalog dataset and raw table), or why it failed, and any note."""
    lines = []
    for item in report.resources.values():
        if item.error:
            lines.append(f"[bold]{item.name}[/]: [red]{item.error}[/]")
            continue
        where = f"raw table {item.dataset}"
        if item.mapped:
            where = f"catalog dataset {item.mapped['dataset_id']} (batch {item.mapped['batch_id']}); {where}"
        lines.append(f"[bold]{item.name}[/]: {where}" + (f"\n  [dim]{item.note}[/dim]" if item.note else ""))
    return "\n".join(lines)


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


def catalog_json(datasets: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": dataset_id,
            "name": body.get("name"),
            "schema": (body.get("schemaRef") or {}).get("id"),
            "last_batch_id": body.get("lastBatchId"),
            "last_batch_status": body.get("lastBatchStatus"),
        }
        for dataset_id, body in datasets.items()
    ]


def format_catalog_datasets(datasets: Mapping[str, Mapping[str, Any]]) -> Table:
    table = Table(title="Catalog datasets (XDM)", title_justify="left")
    for column in ("id", "name", "last batch", "status"):
        table.add_column(column)
    for item in catalog_json(datasets):
        table.add_row(
            item["id"], str(item["name"]), str(item["last_batch_id"] or "-"), str(item["last_batch_status"] or "-")
        )
    return table
