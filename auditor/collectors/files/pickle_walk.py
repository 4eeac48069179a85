"""A streaming pickle opcode walker that never loads anything.

It reads the opcode stream of one or more pickles from a binary file object, keeps a small model
of the unpickler's stack and memo (enough to know which strings a ``STACK_GLOBAL`` consumes),
seeks past large binary arguments instead of reading them, and reports every import the
unpickler would perform (``GLOBAL``, ``INST``, ``STACK_GLOBAL``, extension codes) with its
offset. Judging those imports is the job of ``verdict.py``.

Memory stays bounded: only short identifier-like strings are remembered in the memo, up to a cap;
a ``STACK_GLOBAL`` fed by a forgotten value is reported as unresolved rather than guessed.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

CHUNK = 1 << 20
BIG_ARG = 1 << 16  # arguments longer than this are skipped with a seek, never read whole
MAX_NAME = 256
MEMO_STRING_CAP = 65536
MAX_MEMO_INDEX = 1 << 27
MAX_STACK = 1 << 20
MAX_MARKS = 1 << 16
MAX_FRAME_VIOLATIONS = 16

_IDENT = re.compile(r"^[A-Za-z_][\w.]*$")
_UNPACK_I = struct.Struct("<i").unpack_from
_UNPACK_Q = struct.Struct("<Q").unpack_from


class PickleError(Exception):
    """The stream is not a valid pickle (truncated, unknown opcode, stack misuse)."""


class Truncated(PickleError):
    """The stream ended in the middle of an opcode or before STOP."""


class _Other:
    """Any value whose content does not matter to the verdict."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<value>"


OTHER = _Other()


class _Lost:
    """A memo value that was not remembered (memo string cap reached)."""

    __slots__ = ()


LOST = _Lost()


@dataclass(frozen=True)
class GlobalRef:
    """What a GLOBAL/STACK_GLOBAL/INST pushes: the named object, not yet judged."""

    module: str
    name: str


@dataclass
class Call:
    """The result of calling or instantiating a global (REDUCE, NEWOBJ, OBJ, INST)."""

    func: GlobalRef
    args: Any = None


@dataclass
class Import:
    """One import the unpickler would perform."""

    module: str | None
    name: str | None
    offset: int
    opcode: str
    detail: str = ""  # why module/name are unknown (computed name, extension code, ...)


@dataclass
class WalkResult:
    imports: list[Import] = field(default_factory=list)
    pickles: int = 0
    protocol: int = 0
    opcodes: int = 0
    persistent_ids: int = 0
    trailing_bytes: int = 0
    notes: list[str] = field(default_factory=list)


class _Mark:
    __slots__ = ()


_MARK = _Mark()

# Hook for containers with data written into the middle of the stream (joblib arrays): called on
# BUILD with (object, state, reader); may consume raw bytes from the reader.
BuildHook = Callable[[Any, Any, "_Reader"], None]


class _Reader:
    """Buffered reading with seek-forward for large arguments and exact offsets."""

    def __init__(self, f: IO[bytes], size: int | None) -> None:
        self.f = f
        self.size = size  # total bytes available, when known (for truncation checks on skips)
        self.buf = b""
        self.pos = 0
        self.base = 0  # stream offset of buf[0]
        self.eof = False

    def offset(self) -> int:
        return self.base + self.pos

    def fill(self, need: int) -> bool:
        """Make ``need`` bytes available at pos; False at end of stream."""
        while len(self.buf) - self.pos < need and not self.eof:
            more = self.f.read(max(CHUNK, need))
            if not more:
                self.eof = True
                break
            self.base += self.pos
            self.buf = self.buf[self.pos :] + more
            self.pos = 0
        return len(self.buf) - self.pos >= need

    def take(self, n: int) -> bytes:
        if not self.fill(n):
            raise Truncated(f"truncated at offset {self.offset()}: needed {n} more bytes")
        data = self.buf[self.pos : self.pos + n]
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        have = len(self.buf) - self.pos
        if n <= have:
            self.pos += n
            return
        target = self.base + self.pos + n
        if self.size is not None and target > self.size:
            raise PickleError(
                f"truncated at offset {self.offset()}: an argument of {n} bytes runs past the end ({self.size} bytes)"
            )
        remaining = n - have
        self.base += len(self.buf)
        self.buf = b""
        self.pos = 0
        try:
            self.f.seek(remaining, 1)
        except (OSError, ValueError):
            while remaining:  # not seekable: read and drop in bounded chunks
                got = self.f.read(min(CHUNK, remaining))
                if not got:
                    raise PickleError(f"truncated: an argument of {n} bytes runs past the end") from None
                remaining -= len(got)
        self.base = target  # a short stream shows up as a truncation at the next read

    def line(self) -> bytes:
        while True:
            end = self.buf.find(b"\n", self.pos)
            if end >= 0:
                data = self.buf[self.pos : end]
                self.pos = end + 1
                return data
            if len(self.buf) - self.pos > BIG_ARG:
                raise PickleError(f"line argument longer than {BIG_ARG} bytes at offset {self.offset()}")
            if not self.fill(len(self.buf) - self.pos + 1):
                raise Truncated(f"truncated at offset {self.offset()}: unterminated line argument")

    def at_end(self) -> bool:
        return not self.fill(1)


def _name(data: bytes) -> Any:
    if len(data) > MAX_NAME:
        return OTHER
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _short_text(r: _Reader, n: int) -> Any:
    if n > BIG_ARG:
        r.skip(n)
        return OTHER
    data = r.take(n)
    if n > MAX_NAME:
        return OTHER
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return OTHER


def _quoted(data: bytes) -> Any:
    """Protocol-0 STRING argument: a quoted Python literal."""
    if len(data) >= 2 and data[:1] in (b"'", b'"') and data[-1:] == data[:1]:
        inner = data[1:-1]
        if len(inner) <= MAX_NAME and b"\\" not in inner:
            return inner.decode("latin-1")
        return OTHER
    raise PickleError("STRING argument is not quoted")


def as_text(value: Any) -> Any:
    """Strings pushed by the fast path are kept as UTF-8 bytes; decode one when it matters."""
    if type(value) is bytes:
        try:
            return value.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return OTHER
    if type(value) is tuple:
        return tuple(as_text(v) for v in value)
    return value


def walk(
    f: IO[bytes] | _Reader,
    *,
    size: int | None = None,
    max_pickles: int | None = None,
    build_hook: BuildHook | None = None,
    stop_on_trailing: bool = True,
) -> WalkResult:
    """Walk every pickle in ``f`` from its current position.

    Raises PickleError when the first pickle is malformed; imports found before the error are
    attached to the exception as ``partial``. After the first pickle, further pickles are walked
    while the stream continues with a protocol marker; other trailing bytes are counted.
    """
    reader = f if isinstance(f, _Reader) else _Reader(f, size)
    result = WalkResult()
    while True:
        if reader.at_end():
            break
        if result.pickles and stop_on_trailing and not _continues_with_pickle(reader):
            rest = _count_rest(reader)
            result.trailing_bytes += rest
            result.notes.append(f"{rest} bytes of trailing data after the last pickle were not parsed")
            break
        try:
            _walk_one(reader, result, build_hook)
        except PickleError as exc:
            exc.partial = result  # type: ignore[attr-defined]
            raise
        result.pickles += 1
        if max_pickles is not None and result.pickles >= max_pickles:
            break
    if result.pickles == 0:
        raise PickleError("empty stream: no pickle found")
    return result


def _continues_with_pickle(reader: _Reader) -> bool:
    """Whether the bytes after a STOP are another pickle (stacked, as torch's legacy format and
    joblib write them), with or without a PROTO marker, judged as pickle_sniff judges files."""
    from auditor.collectors.files.pickle_sniff import starts_with_pickle

    if reader.buf[reader.pos] == 0x80:
        return True
    reader.fill(4096)
    return starts_with_pickle(bytes(reader.buf[reader.pos : reader.pos + 4096]))


def _count_rest(reader: _Reader) -> int:
    count = len(reader.buf) - reader.pos
    reader.pos = len(reader.buf)
    while True:
        more = reader.f.read(CHUNK)
        if not more:
            return count
        count += len(more)


def _walk_one(r: _Reader, res: WalkResult, build_hook: BuildHook | None) -> None:
    stack: list[Any] = []
    metastack: list[list[Any]] = []
    memo: dict[int, Any] = {}
    # Memo indices in use: range(memo_len) while writes are sequential (the normal case); a
    # bitmap only once a pickle writes out of order.
    sparse: bytearray | None = None
    memo_len = 0
    imports = res.imports
    opcodes = 0

    def pop_mark() -> list[Any]:
        nonlocal stack
        if not metastack:
            raise PickleError(f"mark not found at offset {r.offset()}")
        items = stack
        stack = metastack.pop()
        return items

    lost = False  # some string memo entries were not kept (cap reached): unknown reads are LOST
    # End (stream offset) of the current FRAME. CPython's unpickler reads a frame as a unit: an
    # opcode that runs past its end is read differently by different CPython versions.
    frame_end: int | None = None
    violations = 0  # frame violations reported (capped: the first already makes the file critical)

    def remember(index: int, value: Any) -> None:
        nonlocal lost
        t = type(value)
        if t is bytes or t is str:
            if len(memo) < MEMO_STRING_CAP or index in memo:
                memo[index] = value
                return
            lost = True
        elif t is GlobalRef or t is Call:
            memo[index] = value
            return
        memo.pop(index, None)

    def memo_put(index: int, value: Any) -> None:
        nonlocal memo_len, sparse
        if index < 0 or index > MAX_MEMO_INDEX:
            raise PickleError(f"absurd memo index {index} at offset {r.offset()}")
        if sparse is None:
            if index < memo_len:
                remember(index, value)
                return
            if index == memo_len:
                memo_len += 1
                remember(index, value)
                return
            sparse = bytearray(b"\xff" * (memo_len >> 3)) + bytes([(1 << (memo_len & 7)) - 1])
        byte = index >> 3
        if byte >= len(sparse):
            sparse.extend(bytes(max(byte + 1 - len(sparse), len(sparse))))
        bit = 1 << (index & 7)
        if not sparse[byte] & bit:
            sparse[byte] |= bit
            memo_len += 1
        remember(index, value)

    def memo_get(index: int) -> Any:
        value = memo.get(index)
        if value is not None:
            return value
        if sparse is None:
            if 0 <= index < memo_len:
                return LOST if lost else OTHER
        elif index >= 0 and (index >> 3) < len(sparse) and sparse[index >> 3] & (1 << (index & 7)):
            return LOST if lost else OTHER
        raise PickleError(f"memo key {index} not found at offset {r.offset()}")

    def need(n: int) -> None:
        if len(stack) < n:
            raise PickleError(f"stack underflow at offset {r.offset()}")

    while True:
        # Fast path: the opcodes that make up nearly all of a large pickle, on local variables,
        # while at least 9 bytes (the longest fixed argument plus the opcode) are buffered.
        buf = r.buf
        pos = r.pos
        limit = len(buf) - 9
        if frame_end is not None:
            # The opcodes near a frame's end go through the slow path, which checks the boundary.
            limit = min(limit, frame_end - r.base - 9)
        push = stack.append
        while pos < limit:
            op = buf[pos]
            if op == 0x8C:  # SHORT_BINUNICODE, usually followed by MEMOIZE
                end = pos + 2 + buf[pos + 1]
                if end > limit:
                    break
                value: Any = buf[pos + 2 : end]
                push(value)
                if buf[end] == 0x94 and sparse is None:
                    if len(memo) < MEMO_STRING_CAP:
                        memo[memo_len] = value
                    else:
                        lost = True
                    memo_len += 1
                    opcodes += 1
                    end += 1
                pos = end
            elif op == 0x94:  # MEMOIZE
                if sparse is not None or not stack:
                    break
                value = stack[-1]
                t = type(value)
                if t is bytes:
                    if len(memo) < MEMO_STRING_CAP:
                        memo[memo_len] = value
                    else:
                        lost = True
                elif t is str or t is GlobalRef or t is Call:
                    remember(memo_len, value)
                memo_len += 1
                pos += 1
            elif op == 0x4B:  # BININT1
                push(buf[pos + 1])
                pos += 2
            elif op == 0x4A:  # BININT
                push(_UNPACK_I(buf, pos + 1)[0])
                pos += 5
            elif op == 0x4D:  # BININT2
                push(buf[pos + 1] | (buf[pos + 2] << 8))
                pos += 3
            elif op == 0x71:  # BINPUT
                if sparse is not None or buf[pos + 1] != memo_len or not stack:
                    break
                value = stack[-1]
                t = type(value)
                if t is bytes or t is str or t is GlobalRef or t is Call:
                    remember(memo_len, value)
                memo_len += 1
                pos += 2
            elif op == 0x68:  # BINGET
                index = buf[pos + 1]
                value = memo.get(index)
                if value is None:
                    if sparse is not None or index >= memo_len:
                        break
                    value = LOST if lost else OTHER
                push(value)
                pos += 2
            elif op == 0x28:  # MARK
                metastack.append(stack)
                stack = []
                push = stack.append
                pos += 1
            elif op == 0x75 or op == 0x65:  # SETITEMS APPENDS
                if not metastack or not metastack[-1]:
                    break
                items = stack
                stack = metastack.pop()
                push = stack.append
                if op == 0x75 and type(stack[-1]) is _Dict:
                    stack[-1].update(items)
                pos += 1
            elif op == 0x58:  # BINUNICODE
                length = _UNPACK_I(buf, pos + 1)[0]
                end = pos + 5 + length
                if length < 0 or end > limit:
                    break
                push(buf[pos + 5 : end] if length <= MAX_NAME else OTHER)
                pos = end
            elif op == 0x47:  # BINFLOAT
                push(OTHER)
                pos += 9
            elif op == 0x4E or op == 0x88 or op == 0x89 or op == 0x5D:  # NONE TRUE FALSE []
                push(OTHER)
                pos += 1
            elif op == 0x86 and len(stack) >= 2:  # TUPLE2
                stack[-2:] = [(stack[-2], stack[-1])]
                pos += 1
            elif op == 0x73 and len(stack) >= 3:  # SETITEM
                if type(stack[-3]) is _Dict:
                    stack[-3].update(stack[-2:])
                del stack[-2:]
                pos += 1
            elif (op == 0x61 and len(stack) >= 2) or (op == 0x30 and stack):  # APPEND POP
                stack.pop()
                pos += 1
            elif op == 0x43:  # SHORT_BINBYTES
                end = pos + 2 + buf[pos + 1]
                if end > limit:
                    break
                push(OTHER)
                pos = end
            elif op == 0x29:  # EMPTY_TUPLE
                push(())
                pos += 1
            elif op == 0x85 and stack:  # TUPLE1
                stack[-1] = (stack[-1],)
                pos += 1
            elif op == 0x32 and stack:  # DUP
                push(stack[-1])
                pos += 1
            else:
                break
            opcodes += 1
        r.pos = pos
        # Slow path: one opcode, with refills, seeks and every rare opcode.
        if r.pos >= len(r.buf) and not r.fill(1):
            raise Truncated(f"truncated at offset {r.offset()}: no STOP opcode")
        start = r.offset()
        op_end: int | None = None  # when a hook consumed data written after the opcode (joblib arrays)
        op = r.buf[r.pos]
        r.pos += 1
        opcodes += 1
        if op == 0x8C:  # SHORT_BINUNICODE
            n = r.take(1)[0]
            stack.append(_short_text(r, n))
        elif op == 0x94:  # MEMOIZE
            need(1)
            memo_put(memo_len, stack[-1])
        elif op == 0x4B:  # BININT1
            stack.append(r.take(1)[0])
        elif op == 0x71:  # BINPUT
            need(1)
            memo_put(r.take(1)[0], stack[-1])
        elif op == 0x68:  # BINGET
            stack.append(memo_get(r.take(1)[0]))
        elif op == 0x28:  # MARK
            metastack.append(stack)
            stack = []
        elif op == 0x75 or op == 0x65 or op == 0x90:  # SETITEMS APPENDS ADDITEMS
            items = pop_mark()
            need(1)
            target = stack[-1]
            if op == 0x75 and type(target) is _Dict:
                target.update(items)
        elif op == 0x4D:  # BININT2
            stack.append(int.from_bytes(r.take(2), "little"))
        elif op == 0x4A:  # BININT
            stack.append(_UNPACK_I(r.take(4))[0])
        elif op == 0x58:  # BINUNICODE
            stack.append(_short_text(r, _UNPACK_I(r.take(4))[0] & 0xFFFFFFFF))
        elif op == 0x43:  # SHORT_BINBYTES
            r.skip(r.take(1)[0])
            stack.append(OTHER)
        elif op == 0x42:  # BINBYTES
            r.skip(_UNPACK_I(r.take(4))[0] & 0xFFFFFFFF)
            stack.append(OTHER)
        elif op == 0x8E or op == 0x96:  # BINBYTES8 BYTEARRAY8
            r.skip(_UNPACK_Q(r.take(8))[0])
            stack.append(OTHER)
        elif op == 0x8D:  # BINUNICODE8
            stack.append(_short_text(r, _UNPACK_Q(r.take(8))[0]))
        elif op == 0x55:  # SHORT_BINSTRING
            stack.append(_short_text(r, r.take(1)[0]))
        elif op == 0x54:  # BINSTRING
            length = _UNPACK_I(r.take(4))[0]
            if length < 0:
                raise PickleError(f"negative BINSTRING length at offset {r.offset()}")
            stack.append(_short_text(r, length))
        elif op == 0x72:  # LONG_BINPUT
            need(1)
            memo_put(_UNPACK_I(r.take(4))[0] & 0xFFFFFFFF, stack[-1])
        elif op == 0x6A:  # LONG_BINGET
            stack.append(memo_get(_UNPACK_I(r.take(4))[0] & 0xFFFFFFFF))
        elif op == 0x73:  # SETITEM
            need(3)
            target = stack[-3]
            if type(target) is _Dict:
                target.update(stack[-2:])
            del stack[-2:]
        elif op == 0x61:  # APPEND
            need(2)
            stack.pop()
        elif op == 0x7D:  # EMPTY_DICT
            stack.append(_Dict([]))
        elif op == 0x29:  # EMPTY_TUPLE
            stack.append(())
        elif op in (0x4E, 0x88, 0x89, 0x5D, 0x8F):  # NONE TRUE FALSE [] set()
            stack.append(OTHER)
        elif op == 0x47:  # BINFLOAT
            r.take(8)
            stack.append(OTHER)
        elif op == 0x85:  # TUPLE1
            need(1)
            stack[-1] = (stack[-1],)
        elif op == 0x86:  # TUPLE2
            need(2)
            stack[-2:] = [(stack[-2], stack[-1])]
        elif op == 0x87:  # TUPLE3
            need(3)
            stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
        elif op == 0x74:  # TUPLE
            items = pop_mark()
            stack.append(tuple(items) if len(items) <= 16 else OTHER)
        elif op == 0x6C or op == 0x64 or op == 0x91:  # LIST DICT FROZENSET
            items = pop_mark()
            if op == 0x64 and len(items) <= 32 and len(items) % 2 == 0:
                stack.append(_Dict(items))
            else:
                stack.append(OTHER)
        elif op == 0x95:  # FRAME
            length = _UNPACK_Q(r.take(8))[0]
            if frame_end is not None and start < frame_end and violations < MAX_FRAME_VIOLATIONS:
                violations += 1
                _frame_violation(r, imports, start, f"a new frame begins at offset {start} before the one ending at {frame_end}")
            frame_end = r.offset() + length if length else None
            continue
        elif op == 0x80:  # PROTO
            proto = r.take(1)[0]
            if proto > 5:
                raise PickleError(f"unsupported pickle protocol {proto} at offset {r.offset() - 2}")
            res.protocol = max(res.protocol, proto)
        elif op == 0x93:  # STACK_GLOBAL
            need(2)
            offset = r.offset() - 1
            name, module = as_text(stack.pop()), as_text(stack.pop())
            if isinstance(module, str) and isinstance(name, str):
                imports.append(Import(module, name, offset, "STACK_GLOBAL"))
                stack.append(GlobalRef(module, name))
            else:
                why = "memo value was not tracked (memo limit)" if LOST in (module, name) else (
                    "module or name is computed at load time, not a constant string"
                )
                imports.append(
                    Import(
                        module if isinstance(module, str) else None,
                        name if isinstance(name, str) else None,
                        offset,
                        "STACK_GLOBAL",
                        why,
                    )
                )
                stack.append(OTHER)
        elif op == 0x63:  # GLOBAL
            offset = r.offset() - 1
            module_raw, name_raw = r.line(), r.line()
            module, name = _name(module_raw), _name(name_raw)
            if not isinstance(module, str) or not isinstance(name, str):
                raise PickleError(f"GLOBAL argument too long at offset {offset}")
            imports.append(Import(module, name, offset, "GLOBAL"))
            stack.append(GlobalRef(module, name))
        elif op == 0x69:  # INST
            offset = r.offset() - 1
            module, name = _name(r.line()), _name(r.line())
            if not isinstance(module, str) or not isinstance(name, str):
                raise PickleError(f"INST argument too long at offset {offset}")
            imports.append(Import(module, name, offset, "INST"))
            args = pop_mark()
            stack.append(Call(GlobalRef(module, name), tuple(args)))
        elif op == 0x52:  # REDUCE
            need(2)
            args = stack.pop()
            func = stack[-1]
            stack[-1] = Call(func, args) if isinstance(func, GlobalRef) else OTHER
        elif op == 0x81:  # NEWOBJ
            need(2)
            args = stack.pop()
            cls = stack[-1]
            stack[-1] = Call(cls, args) if isinstance(cls, GlobalRef) else OTHER
        elif op == 0x92:  # NEWOBJ_EX
            need(3)
            del stack[-1]
            args = stack.pop()
            cls = stack[-1]
            stack[-1] = Call(cls, args) if isinstance(cls, GlobalRef) else OTHER
        elif op == 0x6F:  # OBJ
            items = pop_mark()
            if not items:
                raise PickleError(f"OBJ without a class at offset {r.offset()}")
            cls = items[0]
            stack.append(Call(cls, tuple(items[1:])) if isinstance(cls, GlobalRef) else OTHER)
        elif op == 0x62:  # BUILD
            need(2)
            state = stack.pop()
            if build_hook is not None:
                op_end = r.offset()
                build_hook(stack[-1], state, r)
        elif op == 0x2E:  # STOP
            res.opcodes += opcodes
            return
        elif op == 0x30:  # POP
            if stack:
                stack.pop()
            elif metastack:
                stack = metastack.pop()
            else:
                raise PickleError(f"stack underflow at offset {r.offset()}")
        elif op == 0x31:  # POP_MARK
            pop_mark()
        elif op == 0x32:  # DUP
            need(1)
            stack.append(stack[-1])
        elif op == 0x8A:  # LONG1
            n = r.take(1)[0]
            stack.append(int.from_bytes(r.take(n), "little", signed=True))
        elif op == 0x8B:  # LONG4
            n = _UNPACK_I(r.take(4))[0]
            if n < 0:
                raise PickleError(f"negative LONG4 length at offset {r.offset()}")
            r.skip(n)
            stack.append(OTHER)
        elif op in (0x49, 0x4C, 0x46):  # INT LONG FLOAT (text)
            text = r.line()
            try:
                float(text.rstrip(b"L")) if op == 0x46 else int(text.rstrip(b"L"))
            except ValueError:
                raise PickleError(f"bad number argument at offset {r.offset()}") from None
            stack.append(OTHER)
        elif op == 0x53:  # STRING
            stack.append(_quoted(r.line().rstrip(b"\r")))
        elif op == 0x56:  # UNICODE (raw-unicode-escape)
            data = r.line()
            stack.append(_name(data) if b"\\" not in data else OTHER)
        elif op == 0x70:  # PUT
            need(1)
            memo_put(_text_int(r.line(), r), stack[-1])
        elif op == 0x67:  # GET
            stack.append(memo_get(_text_int(r.line(), r)))
        elif op == 0x50:  # PERSID
            r.line()
            res.persistent_ids += 1
            stack.append(OTHER)
        elif op == 0x51:  # BINPERSID
            need(1)
            res.persistent_ids += 1
            stack[-1] = OTHER
        elif op in (0x82, 0x83, 0x84):  # EXT1 EXT2 EXT4
            width = {0x82: 1, 0x83: 2, 0x84: 4}[op]
            code = int.from_bytes(r.take(width), "little")
            imports.append(
                Import(None, None, r.offset() - 1 - width, f"EXT{width}",
                       f"extension code {code}: resolves through the copyreg registry of the loading process")
            )
            stack.append(OTHER)
        elif op == 0x97:  # NEXT_BUFFER
            stack.append(OTHER)
        elif op == 0x98:  # READONLY_BUFFER
            need(1)
        else:
            raise PickleError(f"invalid opcode 0x{op:02x} at offset {r.offset() - 1}")
        if frame_end is not None and start < frame_end <= (op_end or r.offset()):
            if (op_end or r.offset()) > frame_end and violations < MAX_FRAME_VIOLATIONS:
                violations += 1
                _frame_violation(r, imports, start, f"opcode 0x{op:02x} at offset {start} runs past the end of its "
                                                    f"frame at offset {frame_end}", frame_end)
            frame_end = None
        # Checked here, at least once per buffer refill, so growth between checks stays bounded.
        if len(stack) > MAX_STACK or len(metastack) > MAX_MARKS:
            raise PickleError(f"stack deeper than {MAX_STACK} items or {MAX_MARKS} marks at offset {r.offset()}")


FRAME_DIVERGENCE = (
    "the pickle's framing is inconsistent: CPython before 3.13.15 and 3.14.7 reads different opcodes "
    "from it than a linear parse does (and may run them), later versions refuse it; no pickler writes this"
)
_HIDDEN_GLOBAL = re.compile(rb"[ci]([A-Za-z_][\w.]{0,255})\n([A-Za-z_][\w.]{0,255})\n")
_HIDDEN_STACK_GLOBAL = re.compile(rb"\x8c([\x01-\xff])([A-Za-z_][\w.]*)\x94?\x8c([\x01-\xff])([A-Za-z_][\w.]*)\x94?\x93")


def _frame_violation(r: _Reader, imports: list[Import], start: int, what: str, frame_end: int | None = None) -> None:
    """Report a frame violation, and any import hidden in the bytes it spans.

    Which bytes a vulnerable unpickler executes there depends on its read buffer, so the span
    of the straddling opcode is searched for import opcodes rather than parsed one way."""
    imports.append(Import(None, None, start, "FRAME", f"{what}: {FRAME_DIVERGENCE}"))
    if frame_end is None or start < r.base:
        return
    span = r.buf[start - r.base : r.pos]
    for m in _HIDDEN_GLOBAL.finditer(span):
        imports.append(Import(m.group(1).decode(), m.group(2).decode(), start + m.start(), "GLOBAL",
                              "hidden across a frame boundary"))
    for m in _HIDDEN_STACK_GLOBAL.finditer(span):
        if len(m.group(2)) == m.group(1)[0] and len(m.group(4)) == m.group(3)[0]:
            imports.append(Import(m.group(2).decode(), m.group(4).decode(), start + m.start(), "STACK_GLOBAL",
                                  "hidden across a frame boundary"))


def _text_int(data: bytes, r: _Reader) -> int:
    try:
        return int(data)
    except ValueError:
        raise PickleError(f"bad integer argument at offset {r.offset()}") from None


class _Dict:
    """A small dict with string keys: only for reading container state (joblib arrays)."""

    __slots__ = ("items",)

    def __init__(self, flat: list[Any]) -> None:
        self.items: dict[str, Any] = {}
        self.update(flat)

    def update(self, flat: list[Any]) -> None:
        if len(self.items) + len(flat) // 2 > 32:
            return
        for i in range(0, len(flat) - 1, 2):
            key = as_text(flat[i])
            if isinstance(key, str):
                self.items[key] = as_text(flat[i + 1])
