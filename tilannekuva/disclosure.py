"""Secondary cell suppression for linked additive tables, and the interval audit that proves it.

A *block* is a set of count cells that an outsider can relate to each other: every cell has a
key (one value per dimension, None = the dimension's total) and a measure (e.g. 'enrolled',
'huoli', 'vakava'). The relations an attacker knows are

  * additivity, per measure: a cell whose dimension d is None equals the sum of the cells that
    agree with it on every other dimension and have d set (unit ⊂ district ⊂ city when the unit
    is stored with its district and language; fi + sv = all; the sectors sum to all …);
    a cell that does not exist is a structural zero, known to be 0;
  * order: `leq` pairs (a ≤ b), e.g. pupils over a threshold ≤ pupils with records, and
    serious ≤ concern where the thresholds nest;
  * every count is ≥ 0.

`interval` solves the two linear programmes (min and max of one hidden cell over everything
published) with HiGHS through scipy. `protect` is the suppression: primary cells (1 … T-1, or a
base under T together with every count resting on it), then repeatedly (1) in any relation with
exactly one hidden cell, hide the cheapest other cell, and (2) audit every hidden cell; for a cell
whose feasible interval is narrower than T, hide the cheapest cell that can move it — until every
hidden cell's interval is at least T wide. docs/SUPPRESSION.md explains the choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array


@dataclass
class Block:
    """Cells of one linked table set. `keys[i]` and `measures[i]` name cell i; `values[i]` is its count."""

    keys: list[tuple]
    measures: list[str]
    values: list[float]
    leq: list[tuple[int, int]] = field(default_factory=list)  # (a, b): value[a] <= value[b]
    base_of: dict[int, int] = field(default_factory=dict)  # count cell -> the base cell it rests on
    relations: list[tuple[int, list[int]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.relations:
            self.relations = additive_relations(self.keys, self.measures)

    @property
    def size(self) -> int:
        return len(self.keys)


def additive_relations(keys: Sequence[tuple], measures: Sequence[str]) -> list[tuple[int, list[int]]]:
    """(total, members) for every cell and every dimension that the cell totals over."""
    if not keys:
        return []
    ndim = len(keys[0])
    index: dict[tuple, dict[tuple, list[int]]] = {}
    for i, (key, measure) in enumerate(zip(keys, measures, strict=True)):
        for d in range(ndim):
            if key[d] is not None:
                rest = (measure, d, key[:d] + key[d + 1 :])
                index.setdefault(rest, {}).setdefault((), []).append(i)
    relations = []
    for i, (key, measure) in enumerate(zip(keys, measures, strict=True)):
        for d in range(ndim):
            if key[d] is None:
                members = index.get((measure, d, key[:d] + key[d + 1 :]), {}).get((), [])
                if members:
                    relations.append((i, members))
    return relations


def primary(block: Block, threshold: int) -> np.ndarray:
    """Cells under the threshold (1 … T-1); a base under T hides itself and every count resting on it."""
    values = np.asarray(block.values, dtype=float)
    hidden = (values > 0) & (values < threshold)
    for count, base in block.base_of.items():
        if 0 < values[base] < threshold:
            hidden[count] = True
    return hidden


class _Audit:
    """The linear system an attacker has, for a given hidden set; answers min/max of hidden cells."""

    def __init__(self, block: Block, hidden: np.ndarray):
        self.block = block
        values = np.asarray(block.values, dtype=float)
        self.var = {int(i): n for n, i in enumerate(np.flatnonzero(hidden))}
        nvar = len(self.var)
        rows, cols, data, rhs = [], [], [], []
        eq_rows = 0
        self.links: dict[int, set[int]] = {v: set() for v in range(nvar)}
        for total, members in block.relations:
            involved = [m for m in (total, *members) if m in self.var]
            if not involved:
                continue
            b = -values[total] if total not in self.var else 0.0
            for m in members:
                if m in self.var:
                    rows.append(eq_rows), cols.append(self.var[m]), data.append(1.0)
                else:
                    b += values[m]
            if total in self.var:
                rows.append(eq_rows), cols.append(self.var[total]), data.append(-1.0)
            rhs.append(-b)
            eq_rows += 1
            vs = [self.var[m] for m in involved]
            for v in vs:
                self.links[v].update(vs)
        self.a_eq = csr_array((data, (rows, cols)), shape=(eq_rows, nvar)) if eq_rows else None
        self.b_eq = np.asarray(rhs) if eq_rows else None
        rows, cols, data, rhs = [], [], [], []
        ub_rows = 0
        self.upper = np.full(nvar, np.inf)
        for a, b in block.leq:
            if a in self.var and b in self.var:
                rows += [ub_rows, ub_rows]
                cols += [self.var[a], self.var[b]]
                data += [1.0, -1.0]
                rhs.append(0.0)
                ub_rows += 1
                self.links[self.var[a]].add(self.var[b])
                self.links[self.var[b]].add(self.var[a])
            elif a in self.var:
                self.upper[self.var[a]] = min(self.upper[self.var[a]], values[b])
            # b hidden and a visible: b >= value[a], a lower bound
        self.lower = np.zeros(nvar)
        for a, b in block.leq:
            if b in self.var and a not in self.var:
                self.lower[self.var[b]] = max(self.lower[self.var[b]], values[a])
        self.a_ub = csr_array((data, (rows, cols)), shape=(ub_rows, nvar)) if ub_rows else None
        self.b_ub = np.asarray(rhs) if ub_rows else None

    def interval(self, cell: int) -> tuple[float, float]:
        v = self.var[cell]
        nvar = len(self.var)
        # Only the connected part of the system can constrain this cell: solve that part alone.
        part, todo = {v}, [v]
        while todo:
            for w in self.links[todo.pop()]:
                if w not in part:
                    part.add(w)
                    todo.append(w)
        cols = np.array(sorted(part))
        a_eq = b_eq = a_ub = b_ub = None
        if self.a_eq is not None:
            sub = self.a_eq[:, cols]
            keep = np.flatnonzero(np.abs(self.a_eq[:, cols]).sum(axis=1) > 0)
            a_eq, b_eq = sub[keep], self.b_eq[keep]
        if self.a_ub is not None:
            sub = self.a_ub[:, cols]
            keep = np.flatnonzero(np.abs(sub).sum(axis=1) > 0)
            a_ub, b_ub = sub[keep], self.b_ub[keep]
        bounds = list(zip(self.lower[cols], [None if math.isinf(u) else u for u in self.upper[cols]], strict=True))
        c = np.zeros(len(cols))
        c[int(np.searchsorted(cols, v))] = 1.0
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if res.status == 3:  # unbounded: only when maximising
                out.append(math.inf)
            elif res.status != 0:
                raise RuntimeError(f"audit LP failed ({res.message}) for cell {cell} of {nvar} hidden")
            else:
                out.append(sign * res.fun)
        return out[0], out[1]


def intervals(block: Block, hidden: np.ndarray) -> dict[int, tuple[float, float]]:
    """The feasible interval [min, max] of every hidden cell, given every visible cell of the block."""
    audit = _Audit(block, np.asarray(hidden, dtype=bool))
    return {cell: audit.interval(cell) for cell in audit.var}


def exposed(block: Block, hidden: np.ndarray, threshold: int) -> dict[int, tuple[float, float]]:
    """The hidden cells whose feasible interval is narrower than `threshold` (the protection rule)."""
    return {c: iv for c, iv in intervals(block, hidden).items() if iv[1] - iv[0] < threshold - 1e-6}


def _cost(values: np.ndarray, cell: int, threshold: int) -> tuple:
    # Prefer a cell that can give way by at least T (value >= T), the smallest such; else the largest.
    v = values[cell]
    return (0, v) if v >= threshold else (1, -v)


def protect(block: Block, threshold: int, max_rounds: int = 200) -> np.ndarray:
    """The suppression pattern: primary cells plus the complements that give each hidden cell an
    interval at least `threshold` wide. Deterministic for the same block."""
    values = np.asarray(block.values, dtype=float)
    hidden = primary(block, threshold)
    if not hidden.any():
        return hidden
    relations_of: dict[int, list[int]] = {}
    for r, (total, members) in enumerate(block.relations):
        for m in (total, *members):
            relations_of.setdefault(m, []).append(r)
    for _ in range(max_rounds):
        _singletons(block, hidden, values, threshold)
        bad = exposed(block, hidden, threshold)
        if not bad:
            return hidden
        for cell in sorted(bad, key=lambda c: (values[c], c)):
            candidates = {
                m
                for r in relations_of.get(cell, [])
                for m in (block.relations[r][0], *block.relations[r][1])
                if not hidden[m] and values[m] > 0
            }
            if not candidates:  # every neighbour is hidden already: widen to the neighbours' relations
                candidates = {
                    m
                    for r in relations_of.get(cell, [])
                    for h in (block.relations[r][0], *block.relations[r][1])
                    for r2 in relations_of.get(h, [])
                    for m in (block.relations[r2][0], *block.relations[r2][1])
                    if not hidden[m] and values[m] > 0
                }
            if candidates:
                hidden[min(candidates, key=lambda m: (*_cost(values, m, threshold), m))] = True
                break  # re-audit after each complement: one often protects several cells
        else:
            raise RuntimeError(f"cannot protect {len(bad)} cells: no visible cell left to hide")
    raise RuntimeError("secondary suppression did not converge")


def _singletons(block: Block, hidden: np.ndarray, values: np.ndarray, threshold: int) -> None:
    """No relation may hold exactly one hidden cell (it would be the total minus the rest)."""
    changed = True
    while changed:
        changed = False
        for total, members in block.relations:
            cells = (total, *members)
            if sum(bool(hidden[c]) for c in cells) != 1:
                continue
            others = [m for m in members if not hidden[m] and values[m] > 0]
            if not others and not hidden[total]:
                others = [total]
            if not others:
                others = [m for m in members if not hidden[m]]
            if others:
                hidden[min(others, key=lambda m: (*_cost(values, m, threshold), m))] = True
                changed = True
