"""Small-cell suppression with complementary suppression, applied to one query result.

Used for what is read one unit or group at a time (a principal's benchmark, a teacher's unit
mean). The city-wide tables of the sector pages are not suppressed here but once, on the whole
cube, at load time (tilannekuva.publication): suppressing each filtered result on its own lets
two results be subtracted from each other.

Primary: a cell whose pupil count is 1 .. threshold-1 is hidden (count and its derived
values set to null). A zero count is shown: it reveals nothing about anyone — unless the
cell's base (the denominator, e.g. the pupils enrolled) is itself under the threshold, where
"0 of 3" would tell something about each of the three; then the cell and its base are hidden.

Complementary: a frame may hold cells and their totals (rows where a dimension is null
are that dimension's total, e.g. from `group by grouping sets`). For every dimension that
cells are summed over, each partition (the rows that agree on every other dimension, the `fixed`
ones included: a school year or term is never summed over) must
have either no hidden entries or at least two. When exactly one is hidden, the smallest
visible non-zero cell of that partition is hidden too (or the partition's total if no cell
is left), and the check repeats until nothing changes. So a hidden cell can never be
recomputed by subtracting the visible cells from a visible total.
"""

from __future__ import annotations

import polars as pl

from tilannekuva.queries import Suppression

HIDDEN = "_hidden"


def suppress(frame: pl.DataFrame, rule: Suppression, threshold: int) -> tuple[pl.DataFrame, int]:
    """Return the frame with small cells nulled, and how many cells were hidden."""
    if frame.is_empty():
        return frame, 0
    count = rule.count_column
    counts = frame[count].to_list()
    hidden = [c is not None and 0 < c < threshold for c in counts]
    if rule.base is not None:
        bases = frame[rule.base].to_list()
        hidden = [h or (b is not None and 0 < b < threshold) for h, b in zip(hidden, bases, strict=True)]
    summed_dims = [d for d in rule.cells if d not in rule.fixed]
    keys = [*rule.cells, *(f for f in rule.fixed if f not in rule.cells and f in frame.columns)]
    rows = frame.select(keys).rows() if keys else [()] * frame.height

    changed = True
    while changed:
        changed = False
        for dim_index, dim in enumerate(rule.cells):
            if dim not in summed_dims:
                continue
            partitions: dict[tuple, list[int]] = {}
            for i, row in enumerate(rows):
                key = row[:dim_index] + row[dim_index + 1 :]
                partitions.setdefault(key, []).append(i)
            for members in partitions.values():
                if sum(hidden[i] for i in members) != 1:
                    continue
                cells = [
                    i
                    for i in members
                    if rows[i][dim_index] is not None and not hidden[i] and counts[i] not in (None, 0)
                ]
                totals = [i for i in members if rows[i][dim_index] is None and not hidden[i]]
                if cells:
                    victim = min(cells, key=lambda i: (counts[i], i))
                elif totals:
                    victim = totals[0]
                else:
                    continue  # a lone hidden cell with no visible total: nothing to recompute it from
                hidden[victim] = True
                changed = True

    mask = pl.Series(HIDDEN, hidden)
    nulled = [count, *rule.values, *([rule.base] if rule.base else [])]
    result = frame.with_columns(mask).with_columns(
        [pl.when(pl.col(HIDDEN)).then(None).otherwise(pl.col(c)).alias(c) for c in nulled]
    )
    return result.rename({HIDDEN: "is_suppressed"}), sum(hidden)
