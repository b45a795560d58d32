"""What a load tells its user: rows read, loaded and rejected, and every problem with where and why."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located precisely enough to fix it."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str

    def message(self) -> str:
        """E.g. "2024-01-gwent-street.csv, line 12, column 'Latitude': got '91.5'; expected a latitude ..."."""
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        got = "" if self.value is None else f": got '{_clip(self.value)}'"
        return f"{', '.join(where)}{got}; expected {self.expected}"


@dataclass
class LoadReport:
    """The outcome of loading one file."""

    source: str
    file_name: str
    sha256: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    detail: str = ""

    def summary(self) -> str:
        """One line: file, rows read/loaded/rejected, and what was replaced."""
        text = (
            f"{self.file_name}: {self.rows_read:,} rows read, {self.rows_loaded:,} loaded, "
            f"{self.rows_rejected:,} rejected"
        )
        return f"{text} ({self.detail})" if self.detail else text


class LoadError(Exception):
    """A file that cannot be loaded at all; the store is left exactly as it was."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.message())

    def message(self) -> str:
        """Every problem, one per line, followed by the reassurance that nothing changed."""
        lines = [p.message() for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more problems")
        return "\n".join(lines) + "\nNothing was loaded; the store is unchanged."


def _clip(value: str, width: int = 60) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"
