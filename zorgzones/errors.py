"""Exceptions that carry every problem found in an input."""

from __future__ import annotations

from dataclasses import dataclass, field


class ZorgzonesError(Exception):
    """Base class of the errors this package raises on purpose (the CLI prints them without traceback)."""


class ValidationError(ZorgzonesError, ValueError):
    """An input has one or more problems; ``problems`` lists every one of them.

    The message names what was given, what was expected and how to fix it, one line per problem.
    """

    def __init__(self, subject: str, problems: list[str]):
        self.subject = subject
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{subject}: {len(self.problems)} problem(s)\n{lines}")


class DataError(ZorgzonesError):
    """A data file could not be obtained or trusted (unreachable URL, checksum mismatch, missing bundle)."""


@dataclass
class Report:
    """Collects problems (fatal) and notes (fixed or informative) while checking an input."""

    subject: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def note(self, message: str) -> None:
        self.notes.append(message)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_if_problems(self) -> None:
        if self.problems:
            raise ValidationError(self.subject, self.problems)

    def to_dict(self) -> dict:
        return {"subject": self.subject, "ok": self.ok, "problems": self.problems, "notes": self.notes}
