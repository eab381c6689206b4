"""Query helpers shared by the read paths."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.core.errors import TooManyRows

T = TypeVar("T")
# A caller's filter and sort on a list's statement (the API compiles `filter=`/`sort=`)
Refine = Callable[[Select], Select]
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 20
ALL_ROWS = 0  # page[size]=0: every row, unpaginated (Open Event's clients rely on it)
ALL_ROWS_CAP = 10_000  # ...but never more rows than this in one answer


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    size: int

    @property
    def last(self) -> int:
        if self.size == ALL_ROWS:
            return 1
        return max(1, -(-self.total // self.size))


def refined(stmt: Select, refine: Refine | None) -> Select:
    """`stmt` with the caller's filter and sort; its own order stays the tie-breaker."""
    if refine is None:
        return stmt
    # ORDER BY appends: the caller's sort must come first, so the service's is moved after
    order = stmt._order_by_clauses
    return refine(stmt.order_by(None)).order_by(*order)


def paginate(session: Session, stmt: Select, number: int, size: int) -> Page:
    """One page of `stmt` (1-based `number`) and the total count. `size` ALL_ROWS means
    every row, or TooManyRows when there are more than ALL_ROWS_CAP: a silently cut list
    would let a door scanner turn away people it never downloaded."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if size == ALL_ROWS:
        if (total or 0) > ALL_ROWS_CAP:
            raise TooManyRows(f"page[size]=0 answers at most {ALL_ROWS_CAP} rows and this "
                              f"list has {total}: page through it", code="too_many_rows",
                              parameter="page[size]")
        items = list(session.scalars(stmt)) if number == 1 else []
    else:
        items = list(session.scalars(stmt.limit(size).offset((number - 1) * size)))
    return Page(items=items, total=total or 0, number=number, size=size)
