"""Java ``DateTimeFormatter`` patterns (``yyyy-MM-dd'T'HH:mm:ssXXX``): formatting and parsing of aware datetimes.

Supported letters: G y u Y M L Q q D d E a H k K h m s S n w V z O X x Z, quoted literals ``'T'`` and ``''`` for a
quote. Names are English. Optional sections (``[...]``) are not supported.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS: Final = (
    "January February March April May June July August September October November December".split()  # noqa: SIM905
)
DAYS: Final = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()  # noqa: SIM905
_SUPPORTED: Final = set("GyuYMLQqDdEaHkKhmsSnwVzOXxZ")
_ZONE_ALIASES: Final[dict[str, tzinfo]] = {"Z": UTC, "UTC": UTC, "GMT": UTC, "UT": UTC}

Piece = str | tuple[str, int]  # a literal, or (letter, count)


def parse_zone(name: str) -> tzinfo:
    """A zone from an id (``Europe/Paris``), ``UTC``/``Z``/``GMT`` or an offset (``+01:00``, ``GMT+1``)."""
    if name in _ZONE_ALIASES:
        return _ZONE_ALIASES[name]
    offset = re.fullmatch(r"(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?", name)
    if offset:
        sign, hours, minutes, seconds = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0), seconds=int(seconds or 0))
        if delta > timedelta(hours=18):
            raise ValueError(f"zone offset {name!r} is out of range")
        return timezone(-delta if sign == "-" else delta) if delta else UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _tokenize(pattern: str) -> list[Piece]:
    pieces: list[Piece] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = i + 1
            literal: list[str] = []
            while True:
                if end >= len(pattern):
                    raise ValueError(f"unclosed quote in date pattern {pattern!r}")
                if pattern[end] == "'":
                    if end + 1 < len(pattern) and pattern[end + 1] == "'":
                        literal.append("'")
                        end += 2
                        continue
                    break
                literal.append(pattern[end])
                end += 1
            pieces.append("".join(literal) if end > i + 1 else "'")
            i = end + 1
        elif char.isascii() and char.isalpha():
            if char not in _SUPPORTED:
                raise ValueError(f"unsupported letter {char!r} in date pattern {pattern!r}; quote literal text as 'T'")
            end = i
            while end < len(pattern) and pattern[end] == char:
                end += 1
            pieces.append((char, end - i))
            i = end
        elif char in "[]{}#":
            raise ValueError(f"{char!r} is reserved in date patterns; quote it as '{char}'")
        else:
            pieces.append(char)
            i += 1
    return pieces


# -- formatting ---------------------------------------------------------------------------------------------
def _offset(dt: datetime, colon: bool, seconds: bool, z_for_zero: bool, hours_only: bool = False) -> str:
    delta = dt.utcoffset() or timedelta(0)
    if z_for_zero and not delta:
        return "Z"
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    sep = ":" if colon else ""
    text = f"{sign}{hours:02d}"
    if not (hours_only and minutes == 0):
        text += f"{sep}{minutes:02d}"
    if seconds and secs:
        text += f"{sep}{secs:02d}"
    return text


def _zone_id(dt: datetime) -> str:
    zone = dt.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    return _offset(dt, colon=True, seconds=True, z_for_zero=True)


def _gmt(dt: datetime, full: bool) -> str:
    total = int((dt.utcoffset() or timedelta(0)).total_seconds())
    if not total:
        return "GMT"
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"GMT{sign}{hours:02d}:{minutes:02d}" if full else f"GMT{sign}{hours}" + (f":{minutes:02d}" if rest else "")
    return text + (f":{secs:02d}" if secs else "")


def _number(value: int, count: int) -> str:
    return str(value).zfill(count)


def _format_piece(dt: datetime, letter: str, count: int) -> str:
    if letter in "yu":
        return f"{dt.year % 100:02d}" if count == 2 else _number(dt.year, count)
    if letter == "Y":
        year = dt.isocalendar().year
        return f"{year % 100:02d}" if count == 2 else _number(year, count)
    if letter in "ML":
        return _name(MONTHS[dt.month - 1], count) if count >= 3 else _number(dt.month, count)
    if letter in "Qq":
        quarter = (dt.month - 1) // 3 + 1
        return {3: f"Q{quarter}", 4: f"{quarter}{['st', 'nd', 'rd', 'th'][quarter - 1]} quarter"}.get(
            count, _number(quarter, count)
        )
    if letter == "E":
        return _name(DAYS[dt.weekday()], max(count, 3))
    if letter == "S":
        return (f"{dt.microsecond:06d}" + "000")[:count].ljust(count, "0")
    simple = {
        "d": dt.day, "D": dt.timetuple().tm_yday, "H": dt.hour, "k": dt.hour or 24, "K": dt.hour % 12,
        "h": dt.hour % 12 or 12, "m": dt.minute, "s": dt.second, "n": dt.microsecond * 1000,
        "w": dt.isocalendar().week,
    }  # fmt: skip
    if letter in simple:
        return _number(simple[letter], count)
    return _format_zone(dt, letter, count)


def _format_zone(dt: datetime, letter: str, count: int) -> str:
    if letter == "G":
        return "AD" if count < 4 else "Anno Domini"
    if letter == "a":
        return "AM" if dt.hour < 12 else "PM"
    if letter == "V":
        return _zone_id(dt)
    if letter == "z":
        return (dt.tzname() or _zone_id(dt)) if count < 4 else _zone_id(dt)
    if letter == "O":
        return _gmt(dt, full=count == 4)
    if letter in "Xx":
        zero = letter == "X"
        colon = count in (3, 5)
        return _offset(dt, colon=colon, seconds=count >= 4, z_for_zero=zero, hours_only=count == 1)
    # Z: Z, ZZ, ZZZ -> +0100; ZZZZ -> GMT+01:00; ZZZZZ -> +01:00 or Z
    if count <= 3:
        return _offset(dt, colon=False, seconds=False, z_for_zero=False)
    return _gmt(dt, full=True) if count == 4 else _offset(dt, colon=True, seconds=True, z_for_zero=True)


def _name(full: str, count: int) -> str:
    return full[:3] if count == 3 else full[0] if count == 5 else full


# -- parsing ------------------------------------------------------------------------------------------------
_OFFSET_RE: Final = r"Z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?"


def _piece_regex(letter: str, count: int) -> str:
    if letter in "yuY":
        return {2: r"\d{2}", 4: r"\d{4}"}.get(count, r"[+-]?\d{%d,9}" % count)  # noqa: UP031
    if letter in "ML" and count >= 3:
        return "|".join(m if count == 4 else m[:3] for m in MONTHS)
    if letter == "E":
        return "|".join(d if count == 4 else d[:3] for d in DAYS)
    if letter == "a":
        return "AM|PM"
    if letter == "G":
        return "AD|BC|Anno Domini"
    if letter in "Qq":
        return r"Q?\d" if count == 3 else r"\d"
    if letter == "S":
        return r"\d{%d}" % count  # noqa: UP031
    if letter == "n":
        return r"\d{1,9}"
    if letter in "Xx":
        return _OFFSET_RE
    if letter == "Z":
        return _OFFSET_RE + r"|GMT(?:[+-]\d{2}:\d{2})?"
    if letter in "Vz":
        return r"[A-Za-z][A-Za-z0-9_/+\-]*"
    if letter == "O":
        return r"GMT(?:[+-]\d{1,2}(?::\d{2})?)?"
    return r"\d{%d}" % count if count > 1 else r"\d{1,3}" if letter == "D" else r"\d{1,2}"  # noqa: UP031


@dataclass(frozen=True, slots=True)
class DatePattern:
    """A compiled Java date pattern."""

    pattern: str
    pieces: tuple[Piece, ...]
    regex: re.Pattern[str]
    fields: tuple[tuple[str, int], ...]

    def format(self, value: datetime) -> str:
        """``value`` as text."""
        return "".join(p if isinstance(p, str) else _format_piece(value, *p) for p in self.pieces)

    def parse(self, text: str) -> datetime:
        """Parse ``text`` to an aware datetime; midnight and UTC fill a missing time and zone.

        Raises ``ValueError`` when the text does not fit the pattern or names an impossible date.
        """
        match = self.regex.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"{text!r} does not match the date pattern {self.pattern!r}")
        found: dict[str, str] = {}
        for (letter, count), group in zip(self.fields, match.groups(), strict=True):
            found[letter] = str(2000 + int(group)) if letter in "yuY" and count == 2 else group
        return _build(found, self.pattern)


def _build(found: dict[str, str], pattern: str) -> datetime:
    year_text = found.get("y") or found.get("u") or found.get("Y")
    if year_text is None:
        raise ValueError(f"the date pattern {pattern!r} has no year")
    month = found.get("M") or found.get("L") or "1"
    month_number = int(month) if month.isdigit() else _month_index(month)
    hour = int(found.get("H") or found.get("k") or found.get("h") or found.get("K") or 0)
    if "k" in found and hour == 24:
        hour = 0
    if "a" in found:
        hour = hour % 12 + (12 if found["a"].upper() == "PM" else 0)
    fraction = found.get("S") or ""
    micro = int((fraction + "000000")[:6]) if fraction else int(found.get("n", "0")) // 1000
    zone = _parsed_zone(found)
    result = datetime(int(year_text), month_number, int(found.get("d", 1)), hour, int(found.get("m", 0)),
                      int(found.get("s", 0)), micro, tzinfo=zone)  # fmt: skip
    if "D" in found:
        result = result.replace(month=1, day=1) + timedelta(days=int(found["D"]) - 1)
    return result


def _month_index(name: str) -> int:
    lowered = name.lower()
    return next(i + 1 for i, m in enumerate(MONTHS) if m.lower().startswith(lowered[:3]))


def _parsed_zone(found: dict[str, str]) -> tzinfo:
    for letter in "XxZOVz":
        if letter in found:
            return parse_zone(found[letter])
    return UTC


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> DatePattern:
    """Compile a pattern once; raises ``ValueError`` naming the problem (unknown letter, unclosed quote)."""
    if not isinstance(pattern, str) or not pattern:
        raise ValueError("a date pattern must be a non-empty string such as \"yyyy-MM-dd'T'HH:mm:ssXXX\"")
    pieces = _tokenize(pattern)
    parts: list[str] = []
    fields: list[tuple[str, int]] = []
    for piece in pieces:
        if isinstance(piece, str):
            parts.append(re.escape(piece))
        else:
            fields.append(piece)
            parts.append(f"({_piece_regex(*piece)})")
    regex = re.compile("".join(parts), re.IGNORECASE)
    return DatePattern(pattern, tuple(pieces), regex, tuple(fields))


def parse_iso(text: str) -> datetime:
    """Parse ISO-8601 text (``2026-11-30``, ``2026-11-30T10:00:00Z``, ``...+01:00[Europe/Paris]``); UTC when no zone."""
    value = text.strip()
    zone_id = None
    if value.endswith("]") and "[" in value:
        value, zone_id = value[:-1].split("[", 1)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO-8601 date or date-time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if zone_id:
        parsed = parsed.astimezone(parse_zone(zone_id))
    return parsed
