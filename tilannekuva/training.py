"""Staff training rules (M1 and the teacher's own record): who is trained, what is still due."""

from __future__ import annotations

import dataclasses

import polars as pl


@dataclasses.dataclass(frozen=True)
class Reach:
    """How many of a unit's staff attended a training this school year."""

    trained: int
    untrained: int

    @property
    def share(self) -> float | None:
        staff = self.trained + self.untrained
        return self.trained / staff if staff else None


def reach(is_trained: pl.Series) -> Reach:
    """The unit's training reach from staff_training_status's `is_trained` (one row per staff member)."""
    trained = int(is_trained.fill_null(False).sum())
    return Reach(trained, is_trained.len() - trained)


def still_missing(staff: pl.DataFrame, only_missing: bool) -> pl.DataFrame:
    """The staff list a principal asked for: everyone, or only those with no training this year."""
    return staff.filter(~pl.col("is_trained")) if only_missing else staff


@dataclasses.dataclass(frozen=True)
class YearRecord:
    """One staff member's trainings in one school year."""

    trainings: int
    hours: float

    @property
    def due(self) -> bool:
        """Every staff member attends at least one training a school year: with none, one is due."""
        return self.trainings == 0


def year_record(record: pl.DataFrame, school_year_id: int) -> YearRecord:
    """The trainings (my_training_record rows) attended in the school year, and their hours."""
    this_year = record.filter(pl.col("school_year_id") == school_year_id)
    return YearRecord(this_year.height, float(this_year["hours"].sum() or 0))


def status() -> pl.Expr:
    """A staff member's training status as a code ('trained_yes' / 'trained_no', words under `staff.` in
    the catalog) from `is_trained`."""
    return pl.when(pl.col("is_trained")).then(pl.lit("trained_yes")).otherwise(pl.lit("trained_no")).alias("status")
