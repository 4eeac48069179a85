"""Is this the start of a pickle? Decided the way the unpickler would see it, from the first bytes.

A pickle of protocol 2 or later starts with ``PROTO``; older protocols and hand-written streams
have no marker at all (CPython's unpickler accepts them). So, without the marker, the head is
parsed as opcodes (``pickletools.genops``, the standard library's own reading of the format) and
counted as a pickle only when it holds opcodes a pickle has and plain text does not:

- it reaches ``STOP`` after structure (a mark, a container, a memo write, a call), with a value
  on the stack as the unpickler needs, and the head ends there or goes on with another pickle, or
- it runs out (a long or cut pickle) after enough structure, or breaks off after an import that
  already runs code (the unpickler has resolved and may have called it by then); a parse that
  breaks in the middle of the head otherwise is not a pickle.

One line of text starting with ``I``, ``V``, ``S``, ``F`` or ``(c`` never qualifies: it parses
as one push (or a malformed import) and no ``STOP``.
"""

from __future__ import annotations

import io
import pickletools
import re

from auditor.collectors.files.pickle_walk import Import
from auditor.collectors.files.verdict import CODE_EXECUTION_TIERS, judge


def _names(text: str) -> frozenset[str]:
    """A set of names written as one space-separated block (easier to review than a list)."""
    return frozenset(text.split())


_IDENT = re.compile(r"[A-Za-z_][\w.]*\Z")

# Opcodes that build structure: text seldom parses as these, every real pickle has them.
_STRUCTURE = _names(
    """
    MARK TUPLE TUPLE1 TUPLE2 TUPLE3 EMPTY_TUPLE LIST EMPTY_LIST DICT EMPTY_DICT APPEND APPENDS SETITEM
    SETITEMS ADDITEMS EMPTY_SET FROZENSET PUT BINPUT LONG_BINPUT MEMOIZE GET BINGET LONG_BINGET REDUCE
    BUILD NEWOBJ NEWOBJ_EX OBJ POP POP_MARK DUP FRAME STACK_GLOBAL BINPERSID
    """
)
_ENOUGH = 3


def looks_like_pickle(head: bytes) -> bool:
    # A pickle file ends at STOP or goes on with another pickle; text that happens to start like
    # one ("Git 1.7 ...": a float, DUP, STOP) goes on with more text.
    while True:
        if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
            return True
        verdict, stop = _first_pickle(head)
        if not verdict:
            return False
        if stop is None or stop + 1 >= len(head):
            return True
        head = head[stop + 1 :]


def starts_with_pickle(head: bytes) -> bool:
    """Whether the next pickle of a stream starts here (what follows its STOP is not looked at)."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    return _first_pickle(head)[0]


def _first_pickle(head: bytes) -> tuple[bool, int | None]:
    """Whether ``head`` starts with a pickle, and where its STOP is (None: not reached)."""
    evidence = 0
    levels = [0]  # stack depth above each mark, as the unpickler keeps it
    stream = io.BytesIO(head)
    try:
        for opcode, arg, pos in pickletools.genops(stream):
            name = opcode.name
            if name == "STOP":
                ok = _apply(levels, opcode) and (evidence >= 1 or pos == len(head) - 1)
                return ok, pos
            if name == "PROTO":
                if not 0 <= int(arg) <= 5:  # type: ignore[arg-type]
                    return False, None
                evidence += 2
            elif name in ("GLOBAL", "INST"):
                module, _, attr = str(arg).partition(" ")
                if not (_IDENT.match(module) and _IDENT.match(attr)):
                    return False, None
                rated = judge(Import(module, attr, pos or 0, name)).severity
                if rated is not None and rated in CODE_EXECUTION_TIERS:
                    return True, None
                evidence += 2
            elif name in _STRUCTURE:
                evidence += 1
            if not _apply(levels, opcode):
                return False, None  # the unpickler would fail here (stack underflow, no mark)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        if stream.tell() < len(head) or "unknown" in str(exc):
            return False, None  # broken in the middle (an unknown opcode, a bad argument)
    # The head ran out before STOP: a long or cut pickle, if it had enough structure.
    return evidence >= _ENOUGH, None


def _apply(levels: list[int], opcode: pickletools.OpcodeInfo) -> bool:
    """Track the stack depth through one opcode; False when the unpickler would fail on it."""
    before, after = opcode.stack_before, opcode.stack_after
    if opcode.name == "MARK":
        levels.append(0)
    elif opcode.name == "POP":  # pops an item, or the mark itself when none is above it
        if levels[-1]:
            levels[-1] -= 1
        elif len(levels) > 1:
            levels.pop()
        else:
            return False
    elif pickletools.markobject in before:  # takes everything above the topmost mark
        if len(levels) < 2:
            return False
        levels.pop()
        below = before.index(pickletools.markobject)  # items under the mark it uses (APPENDS' list)
        if levels[-1] < below:
            return False
        levels[-1] += len(after) - below
    else:
        if levels[-1] < len(before):
            return False
        levels[-1] += len(after) - len(before)
    return True
