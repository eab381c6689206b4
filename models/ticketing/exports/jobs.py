"""The exports consumer's side: write a requested export's file and mark it done, in the
consumer's transaction; or mark it failed after the last retry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from models.core.base import utcnow
from models.core.uow import UnitOfWork
from models.ticketing.exports.rows import header_of, rows_of
from models.ticketing.exports.tables import Export
from models.ticketing.exports.writers import write_file


def export_path(storage: str, export: Export) -> Path:
    return Path(storage).resolve() / f"export-{export.id}-{export.kind}.{export.format}"


def write_export(uow: UnitOfWork, export_id: int, storage: str) -> Export | None:
    """Write the file of a requested export and mark it done (with its row count, size
    and time). None when the export is gone or not requested any more (a redelivery
    after it was done): nothing is written twice. The row lock keeps two consumers from
    writing one export at once."""
    s = uow.session
    export = s.get(Export, export_id, with_for_update=True)
    if export is None or export.status != "requested":
        return None
    path = export_path(storage, export)
    n = write_file(path, export.format, header_of(export.kind),
                   rows_of(s, export.kind, export.event_id))
    export.status, export.file_path, export.row_count = "done", str(path), n
    export.size_bytes, export.done_at = path.stat().st_size, utcnow()
    uow.flush()
    return export


def fail_export(uow: UnitOfWork, export_id: int, reason: str) -> bool:
    """Mark a requested export failed with `reason`; False if it was not requested."""
    done = uow.session.execute(
        update(Export).where(Export.id == export_id, Export.status == "requested")
        .values(status="failed", failure_reason=reason[:1000]))
    return done.rowcount == 1
