"""FIT activity files (Garmin, Coros, Suunto, Wahoo...): the messages a cadence needs.

Running cadence in FIT is strides per minute (one foot), with the half strides
in `fractional_cadence`: steps/min = 2 × (cadence + fractional_cadence), so a
record of 85 + 0.5 is 171 steps/min, as Garmin Connect shows it.

A file cut short, or missing or failing its final checksum, still holds every
record written before the damage: those are kept and the run is marked
`partial`, so the athlete is told only part of the file was read. Records of
the same second are merged and power-on-relative timestamps placed
(`fit_records`).

Reading. fitdecode decodes every field of every message into objects; on the
largest file we accept (10 MB, several activities chained one after another,
as FIT allows) that took over a minute of CPU, past the analysis workers'
budget. So `_FastReader` walks the file itself and unpacks only the fields of
the messages used here (records, sessions, sport, file id, timestamp
correlation, and the developer-field descriptions that fix message sizes),
skipping everything else by its defined size; it reads runs of records (most
of a file) a column at a time (`_Definition.batch`) and folds the checksum to
4 KB before walking it (`crc16`): about a second for that file, samples made.
It reads what fitdecode reads, value for value, and stops where fitdecode
would raise (a cut, a bad checksum, an undefined message); anything it does
not model (a field laid out oddly for its type, packed speed and distance,
heart rate events, odd headers) hands the whole file to fitdecode instead
(`_read_with_fitdecode`), as before. `tests/cadence/test_fit_reader.py` holds
the two to the same results on real files, whole, cut and damaged, and
`tests/cadence/test_fast_paths.py` the fast paths to the slow ones.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import operator
import struct
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from operator import truediv
from typing import Literal, cast

import fitdecode  # type: ignore[import-untyped]
from fitdecode import profile as fit_profile
from fitdecode import types as fit_types

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.fit_records import Clock, Moment, RawRecord, merge_by_time, relative_seconds
from coaching.cadence.samples import (
    CadenceUnit,
    ParsedRun,
    Sample,
    as_utc,
    finite,
    positive,
    samples_of,
    sport_kind,
)

Row = tuple[Moment, float | None, float | None, float | None]
"""One record's time, cadence as written, distance and speed (RawRecord's fields)."""


@dataclass(frozen=True, slots=True)
class _Session:
    sport: str | None
    start: object
    end: object
    """As decoded: UTC, or seconds since power-on (placed by the `Clock`)."""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return finite(float(value))


def _time(value: object) -> dt.datetime | None:
    return as_utc(value) if isinstance(value, dt.datetime) else None


def _label(value: object) -> str | None:
    return None if value is None else str(value)


def _moment(value: object) -> Moment | None:
    time = _time(value)
    return time if time is not None else relative_seconds(value)


@dataclass
class _Reading:
    """What either reader found, message by message, in file order.

    The records as columns, one list a field (the fields of a `Row`): a 10 MB file holds
    700,000 of them, and a tuple each, then a sample made of each tuple, was a good part
    of reading it.
    """

    times: list[Moment] = field(default_factory=list)
    cadences: list[float | None] = field(default_factory=list)
    """Cadence as written (strides/min, the fraction added); None when absent or 0."""
    distances: list[float | None] = field(default_factory=list)
    speeds: list[float | None] = field(default_factory=list)
    relative: bool = False
    """Some record's time counts from power-on (an int), not in UTC: `Clock.place` places it."""
    sessions: list[_Session] = field(default_factory=list)
    sport_message: str | None = None
    clock: Clock = field(default_factory=Clock)
    created: object = None
    damage: str | None = None  # why reading stopped early, if it did

    @property
    def records(self) -> list[Row]:
        """The records, a row each, in file order."""
        return list(zip(self.times, self.cadences, self.distances, self.speeds, strict=True))

    def record(
        self,
        timestamp: object,
        cadence: object,
        fractional: object,
        enhanced_speed: object,
        speed: object,
        distance: object,
    ) -> None:
        moment = _moment(timestamp)
        if moment is None:
            return
        stride = positive(_number(cadence))
        fraction = _number(fractional) or 0.0
        mps = _number(enhanced_speed)
        if mps is None:
            mps = _number(speed)
        cadence_raw = None if stride is None else stride + max(0.0, fraction)
        self.row(moment, cadence_raw, _number(distance), mps)

    def row(
        self, moment: Moment, cadence_raw: float | None, distance: float | None, speed: float | None
    ) -> None:
        if type(moment) is not dt.datetime:
            self.relative = True
        self.times.append(moment)
        self.cadences.append(cadence_raw)
        self.distances.append(distance)
        self.speeds.append(speed)

    def session(self, sport: object, start: object, end: object) -> None:
        self.clock.started(_time(start))
        self.sessions.append(_Session(sport=_label(sport), start=start, end=end))

    def sport(self, sport: object) -> None:
        if self.sport_message is None:
            self.sport_message = _label(sport)

    def correlation(self, utc: object, system: object) -> None:
        self.clock.correlate(_time(utc), system)

    def file_id(self, created: object) -> None:
        if self.created is None:
            self.created = _time(created)


def parse_fit(data: bytes) -> ParsedRun:
    """Records of a FIT activity; raises RunFileError on bytes that are not a valid FIT file."""
    if not data:
        raise RunFileError(Reason.EMPTY)
    try:
        reading = _FastReader(data).read()
    except _Unusual:
        reading = _read_with_fitdecode(data)
    if reading.damage is not None and not reading.times:
        raise RunFileError(Reason.CORRUPT, reading.damage)
    clock = reading.clock
    clock.started(reading.created)
    placed, clock_known = _place(clock, reading)
    times = reading.times if not reading.relative else list(map(_time_of, placed))
    if not _one_a_moment(cast("list[dt.datetime]", times)):
        placed = merge_by_time(placed)
    sport, samples = _running_part(reading.sessions, reading.sport_message, placed, clock)
    if not samples:
        raise RunFileError(Reason.EMPTY, "no records with a time")
    return ParsedRun(
        "fit",
        sport,
        tuple(samples),
        CadenceUnit.STRIDES,
        partial=reading.damage is not None,  # cut short or a bad checksum: records before it
        clock_known=clock_known,
    )


def _place(clock: Clock, reading: _Reading) -> tuple[list[Sample], bool]:
    """`Clock.place` of the records, without a RawRecord each when every time is in UTC
    already (the usual file): then the samples are the records as they are."""
    if not reading.relative:
        clock.place(())  # settles the clock's zero, for sessions' relative times
        times = cast("list[dt.datetime]", reading.times)
        return samples_of(times, reading.cadences, reading.distances, reading.speeds), True
    return clock.place(RawRecord(*row) for row in reading.records)


_time_of = operator.attrgetter("time")


def _one_a_moment(times: list[dt.datetime]) -> bool:
    """Already in time order, one record a moment: what `merge_by_time` would give back."""
    return all(map(operator.lt, times, itertools.islice(times, 1, None)))


# ------------------------------------------------------------------ fitdecode, the reference


def _field(message: fitdecode.FitDataMessage, name: str) -> object:
    return message.get_value(name, fallback=None) if message.has_field(name) else None


def _read_with_fitdecode(data: bytes) -> _Reading:
    reading = _Reading()
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "record":
                    reading.record(
                        _field(frame, "timestamp"),
                        _field(frame, "cadence"),
                        _field(frame, "fractional_cadence"),
                        _field(frame, "enhanced_speed"),
                        _field(frame, "speed"),
                        _field(frame, "distance"),
                    )
                elif frame.name == "session":
                    reading.session(
                        _field(frame, "sport"),
                        _field(frame, "start_time"),
                        _field(frame, "timestamp"),
                    )
                elif frame.name == "sport":
                    reading.sport(_field(frame, "sport"))
                elif frame.name == "timestamp_correlation":
                    reading.correlation(
                        _field(frame, "timestamp"), _field(frame, "system_timestamp")
                    )
                elif frame.name == "file_id":
                    reading.file_id(_field(frame, "time_created"))
    except fitdecode.FitError as exc:
        reading.damage = str(exc) or type(exc).__name__
    return reading


# ------------------------------------------------------------------ the fast reader


class _Unusual(Exception):
    """Something `_FastReader` does not model: fitdecode reads the file instead."""


class _Broken(Exception):
    """The file is damaged here: where fitdecode raises a FitError."""


FILE_ID, SPORT, SESSION, RECORD, HR, CORRELATION = 0, 12, 18, 20, 132, 162
FIELD_DESCRIPTION, DEVELOPER_DATA_ID = 206, 207
TIMESTAMP = 253
HR_EVENT_TIMESTAMP_12 = 10
WANTED: dict[int, tuple[int, ...]] = {
    FILE_ID: (4,),  # time_created
    SPORT: (0,),  # sport
    SESSION: (253, 2, 5),  # timestamp, start_time, sport
    RECORD: (253, 4, 53, 5, 6, 8, 73),  # timestamp, cadence, fractional, distance, speed,
    # compressed_speed_distance, enhanced_speed
    CORRELATION: (253, 1),  # timestamp, system_timestamp
    FIELD_DESCRIPTION: (0, 1, 2),  # developer data index, field number, base type
    DEVELOPER_DATA_ID: (3,),  # developer data index
}
DATE_TIME_MIN = 0x10000000
FIT_EPOCH_S = 631_065_600
PROCESSED_TYPES = {"date_time", "local_date_time", "localtime_into_day"}
"""Field types fitdecode turns into other objects: laid out other than as one integer, that
fails in ways not modelled here."""
BYTE = fit_types.BASE_TYPE_BYTE
PACKED = 8  # record.compressed_speed_distance
_SCALES = {"speed": 1000.0, "enhanced_speed": 1000.0, "distance": 100.0}
_ABSENT = object()
Parse = Callable[[object], object]
IntegerFormat = Literal["b", "B", "h", "H", "i", "I", "q", "Q"]
"""The struct formats of FIT's integer base types."""


def _base_type(number: int) -> fit_types.BaseType:
    return fit_types.BASE_TYPES.get(number, BYTE)


def _is_integer(base: fit_types.BaseType) -> bool:
    return base is not BYTE and base.fmt in "bBhHiIqQ"


def _date_time(raw: object) -> object:
    """fitdecode's `date_time`: UTC from the FIT epoch, a smaller number left as it is."""
    if isinstance(raw, int) and raw >= DATE_TIME_MIN:
        return dt.datetime.fromtimestamp(FIT_EPOCH_S + raw, dt.UTC)
    return raw


def _scaled(raw: object, scale: float) -> object:
    return float(raw) / scale if isinstance(raw, int | float) else raw


@cache
def _sport_names() -> dict[int, str]:
    names: dict[int, str] = fit_profile.MESSAGE_TYPES[SESSION].fields[5].type.enum
    return names


def _sport(raw: object) -> object:
    """fitdecode's rendering of an enum: its name when the number has one."""
    return raw if raw is None else _sport_names().get(raw, raw)  # type: ignore[call-overload]


@dataclass(slots=True)
class _Definition:
    """How to read one local message type's data messages."""

    global_number: int
    size: int
    values: struct.Struct | None  # the wanted fields only (others are pad bytes)
    parsers: tuple[Parse, ...]
    index: dict[int, int]  # wanted field number → position in `values` (its first field)
    sources: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    """Records: where `speed`, `enhanced_speed` and `distance` come from, first source first
    (fitdecode's field list: a field's components just before the field)."""
    timestamps: tuple[tuple[struct.Struct, int, Parse], ...] = ()  # every field 253
    has_timestamp: bool = False
    fast: Callable[[_FastReader, int, int | None], None] | None = None
    """Records laid out the usual way (one integer a field, no packed speed): read by
    `_fast_records`, the few microseconds a record that a 10 MB file needs."""
    batch: Callable[[_FastReader, int, int], None] | None = None
    """The same records, a run of `count` messages one after another from `at` (their
    headers included): read a column at a time (`_fast_records`)."""


BATCH_FROM = 4
"""Records one after another read as a batch (`_Definition.batch`) from this many."""


def _same_headers(data: bytes, position: int, stride: int, limit: int) -> int:
    """How many messages of `stride` bytes from `position` have its header byte (so the same
    local message, defined the same way), each whole before `limit`: looked at in ever
    longer stretches, so a lone record costs little more than one byte compared."""
    header = data[position : position + 1]
    fits = (limit - position) // stride
    count, window = 0, 16
    while count < fits:
        take = min(window, fits - count)
        start = position + count * stride
        heads = data[start : start + take * stride : stride]
        same = take - len(heads.lstrip(header))
        count += same
        if same < take:
            break
        window *= 8
    return count


class _FastReader:
    """One pass over the bytes, chained files included, as fitdecode reads them."""

    def __init__(self, data: bytes) -> None:
        self.data = data if type(data) is bytes else bytes(data)
        self.reading = _Reading()
        self._compiled: dict[tuple[object, ...], _Definition] = {}  # `_compile` of each layout

    def read(self) -> _Reading:
        data, position = self.data, 0
        try:
            while True:
                position = self._file(position)
                if position == len(data):
                    break
        except _Broken as exc:
            self.reading.damage = str(exc)
        return self.reading

    # -------------------------------------------------------------- one file of a chain

    def _file(self, start: int) -> int:
        data = self.data
        if len(data) - start < 12:
            raise _Broken(f"file truncated? header of {len(data) - start} bytes")
        header_size, _, _, body_size, magic = struct.unpack_from("<2BHI4s", data, start)
        if header_size < 12 or magic != b".FIT":
            raise _Broken(f"not a FIT file @ {start}")
        if header_size == 13:
            raise _Broken("unsupported FIT header (CRC field missing)")
        if header_size > 14:
            raise _Unusual(f"a header of {header_size} bytes")
        if header_size == 14:
            if len(data) - start < 14:
                raise _Broken("truncated FIT header")
            (header_crc,) = struct.unpack_from("<H", data, start + 12)
            if header_crc and crc16(data, start, start + 12) != header_crc:
                raise _Broken("mismatching CRC in FIT header")
        self._definitions: dict[int, _Definition] = {}
        self._developer: dict[int, dict[object, fit_types.BaseType]] = {}
        self._compressed = 0  # fitdecode's compressed-timestamp accumulator
        self._packed_distance = 0  # and its accumulator of compressed_speed_distance's distance
        body_end = start + header_size + body_size
        position = self._body(start + header_size, body_end)
        if len(data) - position < 2:
            raise _Broken("no CRC at the end of the file")
        (stored,) = struct.unpack_from("<H", data, position)
        if crc16(data, start, position) != stored:
            raise _Broken("mismatching CRC in FIT footer")
        return position + 2

    def _body(self, position: int, end: int) -> int:
        data, length = self.data, len(self.data)
        definitions = self._definitions
        while position < end:
            if position >= length:
                raise _Broken(f"file cut before a message @ {position}")
            header = data[position]
            if header & 0x80:  # compressed timestamp header
                definition = definitions.get((header >> 5) & 0x3)
                offset: int | None = header & 0x1F
            elif header & 0x40:
                position = self._define(position, end)
                continue
            else:
                definition = definitions.get(header & 0xF)
                offset = None
            if definition is None:
                raise _Broken(f"local message {header & 0xF} not defined")
            after = position + 1 + definition.size
            if after > length:
                raise _Broken(f"file cut in a message @ {position}")
            if after > end:
                raise _Unusual("a message across the end of its file")
            if definition.batch is not None and offset is None:
                stride = 1 + definition.size
                count = _same_headers(data, position, stride, min(end, length))
                if count >= BATCH_FROM:
                    definition.batch(self, position, count)
                    position += count * stride
                    continue
            if definition.fast is not None:
                definition.fast(self, position + 1, offset)
            else:
                self._message(definition, position + 1, offset)
            position = after
        return position

    def _message(self, definition: _Definition, at: int, offset: int | None) -> None:
        data = self.data
        for unpacker, field_at, parse in definition.timestamps:
            (raw,) = unpacker.unpack_from(data, at + field_at)
            raw = parse(raw)
            if isinstance(raw, int):
                self._compressed = raw
        compressed: object = None
        if offset is not None:
            accumulated = self._compressed
            value = offset + (accumulated & ~0x1F)
            if offset < (accumulated & 0x1F):
                value += 0x20
            self._compressed = value
            compressed = value
        if definition.values is None:
            return
        raw_values = definition.values.unpack_from(data, at)
        values = [parse(raw) for parse, raw in zip(definition.parsers, raw_values, strict=True)]
        index = definition.index

        def get(number: int) -> object:
            position = index.get(number)
            return None if position is None else values[position]

        timestamp = get(TIMESTAMP) if definition.has_timestamp else compressed
        number = definition.global_number
        if number == RECORD:
            found = self._record_values(definition, values)
            self.reading.record(
                _date_time(timestamp),
                get(4),
                _scaled(get(53), 128),
                found.get("enhanced_speed"),
                found.get("speed"),
                found.get("distance"),
            )
        elif number == SESSION:
            self.reading.session(_sport(get(5)), _date_time(get(2)), _date_time(timestamp))
        elif number == SPORT:
            self.reading.sport(_sport(get(0)))
        elif number == CORRELATION:
            self.reading.correlation(_date_time(timestamp), _date_time(get(1)))
        elif number == FILE_ID:
            self.reading.file_id(_date_time(get(4)))
        elif number == DEVELOPER_DATA_ID:
            if 3 not in index:
                raise _Broken("developer_data_id without its index")
            developer = get(3)
            if not isinstance(developer, int):
                raise _Unusual("a developer data index that is not a number")
            self._developer[developer] = {}
        elif number == FIELD_DESCRIPTION:
            if 0 not in index or 1 not in index:
                raise _Broken("field_description without its index or number")
            developer, field_number, base = get(0), get(1), get(2)
            if developer not in self._developer:
                raise _Broken(f"developer_data_index {developer} not defined")
            if base is not None and base not in fit_types.BASE_TYPES:
                raise _Unusual(f"a developer field of base type {base}")
            kind = BYTE if base is None else fit_types.BASE_TYPES[base]
            self._developer[developer][field_number] = kind

    def _record_values(self, definition: _Definition, values: list[object]) -> dict[str, object]:
        """Speed, enhanced speed and distance of one record, as fitdecode names them."""
        packed: int | None = None
        packed_distance: object = _ABSENT
        position = definition.index.get(8)
        if position is not None:  # compressed_speed_distance: 12 bits of each, little-endian
            raw = values[position]
            if raw is None:
                packed_distance = None
            else:
                packed = int.from_bytes(raw, "little")  # type: ignore[arg-type]
                if 12 < 8 * len(raw):  # type: ignore[arg-type]
                    step = (packed >> 12) & 0xFFF
                    total = step + (self._packed_distance & ~0xFFF)
                    if step < (self._packed_distance & 0xFFF):
                        total += 0x1000
                    self._packed_distance = total
                    packed_distance = total / 16
        found: dict[str, object] = {}
        for name, sources in definition.sources.items():
            for kind, at in sources:
                raw = values[at]
                if kind == "native":
                    value = _scaled(raw, _SCALES[name])
                elif kind == "speed16":  # speed's component enhanced_speed: its low 16 bits
                    value = None if raw is None else (raw & 0xFFFF) / 1000  # type: ignore[operator]
                elif kind == "packed_speed":
                    value = None if packed is None else (packed & 0xFFF) / 100
                else:  # packed distance, absent when the field is too short to hold it
                    if packed_distance is _ABSENT:
                        continue
                    value = packed_distance
                found[name] = value
                break
        return found

    # -------------------------------------------------------------- definitions

    def _define(self, position: int, end: int) -> int:
        data = self.data
        header = data[position]
        if position + 6 > len(data):
            raise _Broken(f"file cut in a definition @ {position}")
        endian = ">" if data[position + 2] else "<"
        unpacked: tuple[int, int] = struct.unpack_from(f"{endian}HB", data, position + 3)
        global_number, count = unpacked
        cursor = position + 6
        fields_end = cursor + 3 * count
        if fields_end > len(data):
            raise _Broken(f"file cut in a definition @ {position}")
        layout: list[tuple[int, int, fit_types.BaseType, bool]] = []
        message_type = fit_profile.MESSAGE_TYPES.get(global_number)
        for at in range(cursor, fields_end, 3):
            number, size, base_number = data[at], data[at + 1], data[at + 2]
            base = _base_type(base_number)
            if size % base.size:
                raise _Broken(f"invalid field size {size} for type {base.name}")
            if size == 0:
                raise _Unusual("a field of no bytes")
            known = message_type.fields.get(number) if message_type else None
            if known is not None:
                _check_layout(known, size, base)
                if global_number == HR and number == HR_EVENT_TIMESTAMP_12:
                    raise _Unusual("heart-rate event timestamps")
                if global_number == RECORD and number == PACKED:
                    self._packed_distance = 0  # fitdecode restarts it with every definition
            layout.append((number, size, base, False))
        cursor = fields_end
        if header & 0x20:  # developer fields
            if cursor + 1 > len(data):
                raise _Broken(f"file cut in a definition @ {position}")
            developer_count = data[cursor]
            cursor += 1
            developer_end = cursor + 3 * developer_count
            if developer_end > len(data):
                raise _Broken(f"file cut in a definition @ {position}")
            for at in range(cursor, developer_end, 3):
                number, size, index = data[at], data[at + 1], data[at + 2]
                if index not in self._developer:
                    raise _Broken(f"dev_data_index {index} not defined")
                base = self._developer[index].get(number)
                if base is None:
                    raise _Broken(f"no such field {number} for dev_data_index {index}")
                if size == 0 or size % base.size:
                    raise _Unusual("a developer field whose size does not fit its type")
                layout.append((number, size, base, True))
            cursor = developer_end
        if cursor > end:
            raise _Unusual("a definition across the end of its file")
        key = (global_number, endian, tuple(layout))
        definition = self._compiled.get(key)
        if definition is None:  # watches define the same messages again and again
            definition = self._compiled[key] = _compile(global_number, endian, layout)
        self._definitions[header & 0xF] = definition
        return cursor


def _check_layout(known: fit_types.Field, size: int, base: fit_types.BaseType) -> None:
    """Refuse what fitdecode would turn into an exception other than a FitError."""
    types = {known.type.name} | {sub.type.name for sub in known.subfields or ()}
    if types & PROCESSED_TYPES and (not _is_integer(base) or size != base.size):
        raise _Unusual(f"{known.name} laid out as {size} bytes of {base.name}")
    if known.components and (base.fmt in "fds" and base is not BYTE):
        raise _Unusual(f"{known.name} with components laid out as {base.name}")


def _packed(raw: object) -> object:
    """fitdecode's `byte` base type: None when every byte is 0xFF."""
    return None if all(b == 0xFF for b in raw) else raw  # type: ignore[attr-defined]


def _compile(
    global_number: int, endian: str, layout: list[tuple[int, int, fit_types.BaseType, bool]]
) -> _Definition:
    wanted = WANTED.get(global_number, ())
    formats: list[str] = []
    parsers: list[Parse] = []
    index: dict[int, int] = {}
    timestamps = []
    offset = 0
    for number, size, base, developer in layout:
        single = size == base.size and base is not BYTE and base.fmt != "s"
        if number == TIMESTAMP:  # any message's timestamp moves the compressed-time base
            if not single or not _is_integer(base):
                raise _Unusual("a timestamp that is not one integer")
            timestamps.append((struct.Struct(endian + base.fmt), offset, base.parse))
        if not developer and number in wanted and number not in index:
            index[number] = len(parsers)
            if global_number == RECORD and number == PACKED:
                if base is not BYTE:
                    raise _Unusual(f"compressed_speed_distance laid out as {base.name}")
                formats.append(f"{size}s")
                parsers.append(_packed)
            elif single:
                formats.append(base.fmt)
                parsers.append(base.parse)
            else:
                raise _Unusual(f"field {number} of message {global_number} is not one number")
        elif global_number == RECORD and number == PACKED and not developer:
            raise _Unusual("compressed_speed_distance twice in a record")
        else:
            formats.append(f"{size}x")
        offset += size
    definition = _Definition(
        global_number=global_number,
        size=offset,
        values=struct.Struct(endian + "".join(formats)) if global_number in WANTED else None,
        parsers=tuple(parsers),
        index=index,
        sources=_record_sources(layout, index) if global_number == RECORD else {},
        timestamps=tuple(timestamps),
        has_timestamp=TIMESTAMP in index,
    )
    if global_number == RECORD:
        readers = _fast_records(definition, layout)
        if readers is not None:
            definition.fast, definition.batch = readers
    return definition


@cache
def _invalid(base: fit_types.BaseType) -> int:
    """The integer fitdecode reads as None for this base type (0xFF..., 0x7F... or 0)."""
    bits = 8 * base.size
    return next(v for v in (2**bits - 1, 2 ** (bits - 1) - 1, 0) if base.parse(v) is None)


RecordReader = Callable[[_FastReader, int, int | None], None]
BatchReader = Callable[[_FastReader, int, int], None]


def _fast_records(
    definition: _Definition, layout: list[tuple[int, int, fit_types.BaseType, bool]]
) -> tuple[RecordReader, BatchReader] | None:
    """Readers for one record definition's messages, if they are laid out the usual way.

    The same values as the general path (`_FastReader._message`, then `_Reading.record`),
    computed for integers only: no function call a field, no dictionary a record. `read`
    reads one record; `batch` a run of them one after another (most of a file: a watch
    writes a record a second, other messages now and then), a column at a time.
    """
    firsts: dict[int, fit_types.BaseType] = {}
    timestamp_fields = 0
    for number, _, base, developer in layout:
        if number == TIMESTAMP:
            timestamp_fields += 1
        if not developer and number not in firsts:
            firsts[number] = base
    wanted = [n for n in WANTED[RECORD] if n in firsts]
    if PACKED in firsts or timestamp_fields > 1 or len(definition.timestamps) != timestamp_fields:
        return None
    if not all(_is_integer(firsts[n]) for n in wanted):
        return None
    index = definition.index
    values_struct = cast(struct.Struct, definition.values)
    unpack = values_struct.unpack_from
    at_time, at_cadence, at_fraction, at_distance, at_speed, at_enhanced = (
        index.get(n, -1) for n in (TIMESTAMP, 4, 53, 5, 6, 73)
    )
    invalid = {n: _invalid(firsts[n]) for n in wanted}
    no_time, no_cadence, no_fraction, no_distance, no_speed, no_enhanced = (
        invalid.get(n, -1) for n in (TIMESTAMP, 4, 53, 5, 6, 73)
    )
    enhanced_from_speed = at_speed >= 0 and (at_enhanced < 0 or at_speed < at_enhanced)
    epoch, utc, fromtimestamp = FIT_EPOCH_S, dt.UTC, dt.datetime.fromtimestamp
    minimum = DATE_TIME_MIN

    def read(reader: _FastReader, at: int, offset: int | None) -> None:
        values = unpack(reader.data, at)
        timestamp = None
        if at_time >= 0:
            timestamp = values[at_time]
            if timestamp == no_time:
                timestamp = None
            else:
                reader._compressed = timestamp  # noqa: SLF001
        if offset is not None:
            accumulated = reader._compressed  # noqa: SLF001
            compressed = offset + (accumulated & ~0x1F)
            if offset < (accumulated & 0x1F):
                compressed += 0x20
            reader._compressed = compressed  # noqa: SLF001
            if at_time < 0:
                timestamp = compressed
        if timestamp is None:
            return
        if timestamp >= minimum:
            moment: Moment = fromtimestamp(epoch + timestamp, utc)
        elif timestamp >= 0:
            moment = timestamp
        else:
            return
        cadence_raw = None
        if at_cadence >= 0:
            cadence = values[at_cadence]
            if cadence != no_cadence and cadence > 0:
                fraction = values[at_fraction] if at_fraction >= 0 else no_fraction
                cadence_raw = float(cadence)
                if fraction != no_fraction and fraction > 0:
                    cadence_raw += fraction / 128
        distance = None
        if at_distance >= 0:
            raw = values[at_distance]
            distance = None if raw == no_distance else raw / 100
        speed = None
        if enhanced_from_speed:
            raw = values[at_speed]
            speed = None if raw == no_speed else (raw & 0xFFFF) / 1000
        elif at_enhanced >= 0:
            raw = values[at_enhanced]
            speed = None if raw == no_enhanced else raw / 1000
        if speed is None and at_speed >= 0:
            raw = values[at_speed]
            speed = None if raw == no_speed else raw / 1000
        reader.reading.row(moment, cadence_raw, distance, speed)

    # Where each wanted field lies in a message, and how to read it a column at a time.
    places: dict[int, tuple[int, int, str]] = {}  # position in `values` → offset, size, format
    offset = 0
    for number, size, base, developer in layout:
        if not developer and number in index and index[number] not in places:
            places[index[number]] = (offset, size, base.fmt)
        offset += size
    if any(struct.calcsize(fmt) != size for _, size, fmt in places.values()):
        return None  # pragma: no cover - a platform whose C integers are other sizes
    stride = 1 + definition.size  # a message: its header byte, then the fields
    swap = (values_struct.format[0] == ">") != (sys.byteorder == "big")

    def batch(reader: _FastReader, at: int, count: int) -> None:
        """`read` of each of `count` messages from `at` (normal headers: no compressed time)."""
        if at_time < 0:
            return  # no time, in a normal header: every one of them is skipped
        data = reader.data

        def column(position: int) -> Sequence[int]:
            offset, size, fmt = places[position]
            return _column(data, at + 1 + offset, count, stride, size, fmt, swap)

        times = column(at_time)
        earliest, latest = min(times), max(times)
        absolute = earliest >= minimum
        if no_time in times or earliest < 0 or (not absolute and latest >= minimum):
            for each in range(at + 1, at + count * stride, stride):  # skipped times, mixed clocks
                read(reader, each, None)
            return
        reader._compressed = times[-1]  # noqa: SLF001
        reading = reader.reading
        if absolute:
            reading.times += map(
                fromtimestamp, map(operator.add, times, repeat(epoch)), repeat(utc)
            )
        else:
            reading.times += times
            reading.relative = True
        reading.cadences += _cadences(column, count)
        reading.distances += (
            _scaled_column(column(at_distance), no_distance, 100)
            if at_distance >= 0
            else repeat(None, count)
        )
        reading.speeds += _speeds(column, count)

    def _cadences(column: Callable[[int], Sequence[int]], count: int) -> Iterable[float | None]:
        if at_cadence < 0:
            return repeat(None, count)
        cadences = column(at_cadence)
        written = column(at_fraction) if at_fraction >= 0 else None
        if min(cadences) >= 0 and (written is None or min(written) >= 0):
            # As below, for each value, then mended where a value is absent or 0. (A fraction
            # of 0 is no exception: x + 0 / 128 is x.)
            if written is None:
                found: list[float | None] = list(map(float, cadences))
            else:
                found = list(
                    map(operator.add, map(float, cadences), map(truediv, written, repeat(128)))
                )
                for at in _indices(written, no_fraction):
                    found[at] = float(cadences[at])
            for absent in (no_cadence, 0):
                for at in _indices(cadences, absent):
                    found[at] = None
            return found
        return [
            None
            if cadence == no_cadence or not cadence > 0
            else float(cadence) + fraction / 128
            if fraction != no_fraction and fraction > 0
            else float(cadence)
            for cadence, fraction in zip(
                cadences, repeat(no_fraction) if written is None else written, strict=False
            )
        ]

    def _speeds(column: Callable[[int], Sequence[int]], count: int) -> Iterable[float | None]:
        if enhanced_from_speed:  # speed's component enhanced_speed: its low 16 bits
            speeds = column(at_speed)
            if no_speed not in speeds:
                return map(truediv, map(operator.and_, speeds, repeat(0xFFFF)), repeat(1000))
            return [None if raw == no_speed else (raw & 0xFFFF) / 1000 for raw in speeds]
        if at_enhanced >= 0:
            enhanced = column(at_enhanced)
            if no_enhanced not in enhanced:
                return map(truediv, enhanced, repeat(1000))
            if at_speed < 0:
                return [None if raw == no_enhanced else raw / 1000 for raw in enhanced]
            return [
                (None if speed == no_speed else speed / 1000) if raw == no_enhanced else raw / 1000
                for raw, speed in zip(enhanced, column(at_speed), strict=True)
            ]
        if at_speed >= 0:
            return _scaled_column(column(at_speed), no_speed, 1000)
        return repeat(None, count)

    return read, batch


def _column(
    data: bytes, first: int, count: int, stride: int, size: int, fmt: str, swap: bool
) -> Sequence[int]:
    """The integers of `size` bytes at first, first + stride, ... (`count` of them).

    Sliced out a byte at a time (every stride-th byte is one slice), laid side by side,
    then read as an array of `fmt`: C speed throughout, no tuple a message as
    `struct.iter_unpack` would make.
    """
    stop = first + count * stride
    integers = cast("IntegerFormat", fmt)
    if size == 1:
        column = data[first:stop:stride]
        return column if fmt == "B" else memoryview(column).cast(integers).tolist()
    packed = bytearray(size * count)
    for byte in range(size):
        packed[size - 1 - byte if swap else byte :: size] = data[first + byte : stop : stride]
    return memoryview(packed).cast(integers).tolist()


def _scaled_column(raws: Sequence[int], absent: int, scale: int) -> list[float | None]:
    """raw / scale of each value, None for the type's invalid value."""
    found: list[float | None] = list(map(truediv, raws, repeat(scale)))
    for at in _indices(raws, absent):
        found[at] = None
    return found


def _indices(values: Sequence[int], value: int) -> Iterator[int]:
    """Where `value` is among `values`, searched for at C speed (it is seldom there)."""
    at = -1
    try:
        while True:
            at = values.index(value, at + 1)
            yield at
    except ValueError:
        return


def _record_sources(
    layout: list[tuple[int, int, fit_types.BaseType, bool]], index: dict[int, int]
) -> dict[str, tuple[tuple[str, int], ...]]:
    """Where a record's speed, enhanced speed and distance come from, in fitdecode's order."""
    sources: dict[str, list[tuple[str, int]]] = {"speed": [], "enhanced_speed": [], "distance": []}
    seen: set[int] = set()
    for number, _, _, developer in layout:
        if developer or number in seen or number not in (5, 6, PACKED, 73):
            continue
        seen.add(number)
        at = index[number]
        if number == 5:
            sources["distance"].append(("native", at))
        elif number == 6:
            sources["enhanced_speed"].append(("speed16", at))
            sources["speed"].append(("native", at))
        elif number == PACKED:
            sources["speed"].append(("packed_speed", at))
            sources["distance"].append(("packed_distance", at))
        else:
            sources["enhanced_speed"].append(("native", at))
    return {name: tuple(found) for name, found in sources.items() if found}


# ------------------------------------------------------------------ the checksum


@cache
def _crc_tables() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """CRC-16/ARC (FIT's checksum) tables: of every byte, and of every two-byte word."""
    nibbles = (
        0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
        0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
    )  # fmt: skip

    def step(crc: int, byte: int) -> int:  # the FIT SDK's own loop, a nibble at a time
        for nibble in (byte & 0xF, byte >> 4):
            low = nibbles[crc & 0xF]
            crc = ((crc >> 4) & 0x0FFF) ^ low ^ nibbles[nibble]
        return crc

    table = tuple(step(0, byte) for byte in range(256))
    # Two bytes b0, b1 after `crc`: both steps depend only on x = crc ^ (b0 | b1 << 8).
    words = tuple(
        (table[x & 0xFF] >> 8) ^ table[((x >> 8) ^ table[x & 0xFF]) & 0xFF] for x in range(65536)
    )
    return table, words


PERIOD_BITS = 32767
"""x^32767 = 1 modulo FIT's CRC polynomial, x^16 + x^15 + x^2 + 1 (32767 is the order of x):
a message bit weighs in the checksum the same as the bit 32767 places further on."""
FOLD_FROM_BYTES = 8192
"""Longer stretches are folded (`crc16`); shorter ones are walked through the tables as they are."""
_FOLDED_BYTES = (PERIOD_BITS + 1) // 8


def crc16(data: bytes, start: int, end: int) -> int:
    """FIT's CRC-16 of data[start:end]: a 10 MB file in about 10 ms.

    The checksum is linear, with no initial or final value, so it is the
    remainder of the message (as a polynomial over GF(2), one term a bit) by the
    checksum's polynomial. Since x^32767 leaves remainder 1, bits 32767 apart
    can be added (XOR) into one: the whole message, read as one integer, folds
    into 32767 bits at C speed, and the table walk (`_crc_walk`) reads only
    those, 4 KB however long the file. `test_fit_reader`'s checksum tests hold
    it to fitdecode's byte-by-byte CRC.
    """
    if end - start <= FOLD_FROM_BYTES:
        return _crc_walk(data, start, end)
    bits = 8 * (end - start)
    # Bit j of `number` is the j-th bit the CRC reads (bytes in order, each from its bit 0),
    # of degree bits - 1 - j in the message polynomial.
    number = int.from_bytes(memoryview(data)[start:end], "little")
    while number >> PERIOD_BITS:  # fold the top half onto the bottom, whole periods apart
        periods = -(-number.bit_length() // PERIOD_BITS)
        half = PERIOD_BITS * (periods // 2)
        number = (number >> half) ^ (number & ((1 << half) - 1))
    # In a message of _FOLDED_BYTES, the bit read p-th has degree 32767 - p: rotate bit j to
    # p = j + 1 - bits (modulo the period) to keep its degree, modulo the period.
    shift = (1 - bits) % PERIOD_BITS
    number = ((number << shift) | (number >> (PERIOD_BITS - shift))) & ((1 << PERIOD_BITS) - 1)
    return _crc_walk(number.to_bytes(_FOLDED_BYTES, "little"), 0, _FOLDED_BYTES)


def _crc_walk(data: bytes, start: int, end: int) -> int:
    """FIT's CRC of data[start:end] through the tables, two bytes a step."""
    table, words = _crc_tables()
    crc = 0
    if (end - start) % 2:
        crc = table[data[start]]
        start += 1
    view = memoryview(data)[start:end]
    if sys.byteorder == "little":
        for word in view.cast("H"):
            crc = words[crc ^ word]
    else:  # pragma: no cover - little-endian machines only, in practice
        for first, second in zip(view[::2], view[1::2], strict=True):
            crc = words[crc ^ (first | second << 8)]
    return crc


# ------------------------------------------------------------------ the running part


def _running_part(
    sessions: list[_Session], sport_message: str | None, samples: list[Sample], clock: Clock
) -> tuple[str | None, list[Sample]]:
    """The sport to report and the records to analyse.

    A multisport file (a triathlon) has one session per leg: keep the records of
    the running legs only, so a bike leg's pedalling is not read as strides.
    """
    running = [s for s in sessions if sport_kind(s.sport) == "running"]
    if not running:
        first = sessions[0].sport if sessions else sport_message
        return first, samples
    if len(running) == len(sessions):
        return running[0].sport, samples

    legs = [(clock.moment(s.start), clock.moment(s.end)) for s in running]

    def in_running_leg(sample: Sample) -> bool:
        return any(
            start is not None and end is not None and start <= sample.time <= end
            for start, end in legs
        )

    return running[0].sport, [s for s in samples if in_running_leg(s)]
