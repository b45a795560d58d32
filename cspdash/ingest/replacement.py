"""What a load would replace or remove, said before it happens, and the confirmation it then needs.

A loader that would delete records already held (plan actions, priorities, Community Trigger cases,
recommendations, a police.uk month with far fewer rows) describes each loss as a ``Replacement`` and raises
``ConfirmationNeeded`` unless the caller confirmed (``replace=True``: the CLI's ``--replace`` flag, the Data
page's "Replace them" button). The store is unchanged when the confirmation is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

#: the command-line flag that confirms a replacement (one name for every kind of record)
REPLACE_FLAG = "--replace"
#: at most this many of the records that would go are named one by one
NAMED_AT_MOST = 20


@dataclass(frozen=True)
class Replacement:
    """One kind of record a load would replace: how many are held, how many remain, and which ones go."""

    what: str  # plural noun, e.g. "Community Trigger / CCfA cases", "plan actions"
    scope: str  # e.g. "partnership W06000018" or "Gwent Police, May 2025"
    before: int
    after: int
    removed: tuple[str, ...] = field(default=())  # ids (or short descriptions) of the records that go

    def message(self) -> str:
        """'Community Trigger / CCfA cases of partnership W06000018: 12 → 1; these 11 go: CAE-CT-1, …'."""
        text = f"{self.what} of {self.scope}: {self.before:,} → {self.after:,}"
        if self.removed:
            named = ", ".join(self.removed[:NAMED_AT_MOST])
            more = len(self.removed) - NAMED_AT_MOST
            text += (f"; {'this one goes' if len(self.removed) == 1 else f'these {len(self.removed):,} go'}: {named}"
                     + (f" and {more:,} more" if more > 0 else ""))
        return text


class ConfirmationNeeded(Exception):
    """A load that would replace or remove held records and was not confirmed; nothing was written."""

    def __init__(self, replacements: Sequence[Replacement]):
        self.replacements = list(replacements)
        super().__init__(self.message())

    def message(self) -> str:
        """Every replacement, one per line, then how to confirm."""
        lines = ["This load would replace records already held:"]
        lines += [f"  - {r.message()}" for r in self.replacements]
        lines.append(f"Nothing was loaded. To replace them, load again with {REPLACE_FLAG} (on the Data page: "
                     "'Replace them'); to keep them, load a file that still holds them.")
        return "\n".join(lines)


def removals(what: str, scope: str, held: Sequence[str], incoming: Sequence[str]) -> Replacement | None:
    """The Replacement when ``incoming`` ids would replace ``held`` ids and some held ones are not incoming."""
    kept = set(incoming)
    gone = tuple(sorted(h for h in set(held) if h not in kept))
    if not gone:
        return None
    return Replacement(what, scope, len(set(held)), len(kept), gone)


def confirm(replacements: Sequence[Replacement | None], replace: bool) -> list[Replacement]:
    """The replacements found; raise ConfirmationNeeded when there are any and ``replace`` is False."""
    found = [r for r in replacements if r is not None]
    if found and not replace:
        raise ConfirmationNeeded(found)
    return found
