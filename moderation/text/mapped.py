"""A string that remembers, for every character, where it came from in the original.

Every normalization step rewrites a `MappedText` into a new one, so that a span
found on the final text can always be mapped back onto the exact characters of
the text the commenter wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# A replacement produced by a step: either plain text (mapped onto the whole
# match), or explicit characters each with the [start, end) it came from.
Piece = str | Sequence[tuple[str, int, int]]


@dataclass(frozen=True, slots=True)
class MappedText:
    """`text[i]` was produced from `original[starts[i]:ends[i]]`."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    original_length: int

    @classmethod
    def identity(cls, text: str) -> MappedText:
        positions = tuple(range(len(text)))
        return cls(text, positions, tuple(p + 1 for p in positions), len(text))

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the half-open span [start, end) of `text` onto the original text."""
        if start >= end:
            pos = self.starts[start] if start < len(self.text) else self.original_length
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def translate(self, table: dict[int, str]) -> MappedText:
        """Apply a one-to-one character table; offsets are unchanged."""
        return MappedText(self.text.translate(table), self.starts, self.ends, self.original_length)

    def sub(
        self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], Piece], attach_deleted: bool = True
    ) -> MappedText:
        """Rewrite every match of `pattern`, keeping offsets exact.

        A replacement of the same length as its match maps one to one; a plain
        string of another length maps every new character onto the whole match;
        explicit (char, start, end) triples say exactly where each came from, in
        coordinates of *this* text. Characters a step deletes are folded into the
        end of the character before them, so a word keeps its trailing marks
        (unless `attach_deleted` is false: invisible characters belong to no letter).
        """
        matches = list(pattern.finditer(self.text))
        if not matches:
            return self
        text, starts, ends = self.text, self.starts, self.ends
        out_chars: list[str] = []
        out_starts: list[int] = []
        out_ends: list[int] = []
        last = 0
        for match in matches:
            begin, finish = match.span()
            out_chars.append(text[last:begin])
            out_starts.extend(starts[last:begin])
            out_ends.extend(ends[last:begin])
            piece = replace(match)
            if isinstance(piece, str):
                if len(piece) == finish - begin:
                    out_chars.append(piece)
                    out_starts.extend(starts[begin:finish])
                    out_ends.extend(ends[begin:finish])
                elif piece:
                    out_chars.append(piece)
                    out_starts.extend([starts[begin]] * len(piece))
                    out_ends.extend([ends[finish - 1]] * len(piece))
                elif attach_deleted and out_ends and begin > 0 and not text[begin - 1].isspace():
                    # Deleted marks belong to the character they followed.
                    out_ends[-1] = max(out_ends[-1], ends[finish - 1])
            else:
                for char, src_start, src_end in piece:
                    out_chars.append(char)
                    out_starts.append(starts[src_start])
                    out_ends.append(ends[src_end - 1] if src_end > src_start else starts[src_start])
            last = finish
        out_chars.append(text[last:])
        out_starts.extend(starts[last:])
        out_ends.extend(ends[last:])
        return MappedText("".join(out_chars), tuple(out_starts), tuple(out_ends), self.original_length)

    def realign(self, rewritten: str) -> MappedText:
        """Map `rewritten`, produced from `self.text` by an opaque step (hazm), back onto it.

        The step only substitutes characters one for one, deletes characters,
        and inserts or moves spaces and ZWNJs; a greedy walk with a short
        look-ahead recovers the alignment in linear time.
        """
        source = self.text
        if rewritten == source:
            return self
        starts, ends = self.starts, self.ends
        n, m = len(source), len(rewritten)
        out_starts: list[int] = []
        out_ends: list[int] = []
        i = j = 0
        while j < m:
            if i >= n:
                out_starts.append(self.original_length if not ends else ends[-1])
                out_ends.append(out_starts[-1])
                j += 1
                continue
            a, b = source[i], rewritten[j]
            if a == b or _fold(a) == _fold(b):
                out_starts.append(starts[i])
                out_ends.append(ends[i])
                i += 1
                j += 1
            elif b in _SPACING:
                if a in _SPACING:
                    out_starts.append(starts[i])
                    out_ends.append(ends[i])
                    i += 1
                else:
                    # Inserted space or ZWNJ: zero width, before the next source char.
                    out_starts.append(starts[i])
                    out_ends.append(starts[i])
                j += 1
            elif a in _SPACING:
                i += 1
            else:
                ahead = _find(source, b, i + 1, 4)
                if ahead >= 0:
                    i = ahead
                    continue
                behind = _find(rewritten, a, j + 1, 4)
                if behind >= 0:
                    while j < behind:
                        out_starts.append(starts[i])
                        out_ends.append(ends[i])
                        j += 1
                    continue
                out_starts.append(starts[i])
                out_ends.append(ends[i])
                i += 1
                j += 1
        # Characters the step dropped at the end belong to the last kept one.
        if out_ends and i < n and not source[i:].isspace():
            out_ends[-1] = max(out_ends[-1], ends[n - 1])
        return MappedText(rewritten, tuple(out_starts), tuple(out_ends), self.original_length)


_SPACING = frozenset(" \u200c\n\t")

# Characters hazm may swap one for another: compare them folded.
_FOLD = str.maketrans(
    "0123456789٠١٢٣٤٥٦٧٨٩يكىة%,;?\"'",
    "۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹یکیه٪،؛؟««",
)
_FOLD_EXTRA = {ord("»"): "«", ord("٫"): ".", ord("…"): "."}


def _fold(char: str) -> str:
    return char.translate(_FOLD).translate(_FOLD_EXTRA)


def _find(text: str, char: str, start: int, window: int) -> int:
    folded = _fold(char)
    for k in range(start, min(len(text), start + window)):
        if text[k] == char or _fold(text[k]) == folded:
            return k
    return -1
