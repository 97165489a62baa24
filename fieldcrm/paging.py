"""One page of rows and their total in one round trip (window functions over a numbered sub-select).

Plain SQL helpers with no model: the agenda's pages and the follow-up list use them."""

from __future__ import annotations

from sqlmodel import Session, func, select


def count_rows(db: Session, stmt, cap: int | None = None) -> int:
    """How many rows `stmt` gives (counted up to `cap`)."""
    if cap is not None:
        stmt = stmt.limit(cap)
    return db.exec(select(func.count()).select_from(stmt.subquery())).one()


def numbered_keys(stmt, key, order, cap: int | None, carry=()):
    """A sub-select of `stmt`'s keys in `order` (up to `cap`), each numbered (`n`) and with the
    total (`total`), carrying the `carry` expressions along as carry0, carry1…: the database finds
    and counts the rows once, and only one page of them is then loaded (one round trip instead of a
    page query and a count query)."""
    inner = stmt.with_only_columns(key.label("key"), *[c.label(f"carry{i}") for i, c in enumerate(carry)],
                                   *[o.label(f"order{i}") for i, o in enumerate(order)]).order_by(*order)
    if cap is not None:
        inner = inner.limit(cap)
    inner = inner.subquery()
    ordering = [inner.c[f"order{i}"] for i in range(len(order))]
    return select(inner, func.count().over().label("total"),
                  func.row_number().over(order_by=ordering).label("n")).subquery()


def cut_page(page_stmt, numbered, limit, offset):
    """`page_stmt` (joined to `numbered`) cut to one page; `limit` may be a bound parameter."""
    page_stmt = page_stmt.where(numbered.c.n > offset).order_by(numbered.c.n)
    return page_stmt if limit is None else page_stmt.where(numbered.c.n <= offset + limit)


def run_page(db: Session, page_stmt, params=None) -> tuple[list, int | None]:
    """The rows of a page (without their total column) and the total, None when the page is empty."""
    rows = db.exec(page_stmt, params=params or {}).all()
    return [tuple(row[:-1]) for row in rows], (rows[0][-1] if rows else None)
