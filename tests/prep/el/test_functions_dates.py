"""Date functions and Java date patterns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stripeflow.prep.el.dates import compile_pattern, parse_iso, parse_zone
from tests.prep.el.support import NOW, ev, fails

PARIS = ZoneInfo("Europe/Paris")


def test_stripe_epoch_seconds_to_xdm_date_time() -> None:
    record = {"data": {"created": 1796032800}}
    assert ev("dformat(data.created * 1000, \"yyyy-MM-dd'T'HH:mm:ssXXX\")", record) == "2026-11-30T10:00:00Z"
    assert ev("dformat(data.missing * 1000, \"yyyy-MM-dd'T'HH:mm:ssXXX\")", record) is None


@pytest.mark.parametrize(
    ("pattern", "utc", "paris"),
    [
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2026-11-30T10:05:09Z", "2026-11-30T11:05:09+01:00"),
        ("yy/M/d h:mm a", "26/11/30 10:05 AM", "26/11/30 11:05 AM"),
        ("EEE EEEE E MMM MMMM", "Mon Monday Mon Nov November", "Mon Monday Mon Nov November"),
        ("dd.MM.yyyy HH:mm:ss.SSS", "30.11.2026 10:05:09.123", "30.11.2026 11:05:09.123"),
        ("Z X XX x xx xxx", "+0000 Z Z +00 +0000 +00:00", "+0100 +01 +0100 +01 +0100 +01:00"),
        ("z VV O OOOO ZZZZ ZZZZZ", "UTC Z GMT GMT GMT Z", "CET Europe/Paris GMT+1 GMT+01:00 GMT+01:00 +01:00"),
        ("'It''s' D 'day', Q QQQ QQQQ, w", "It's 334 day, 4 Q4 4th quarter, 49", "It's 334 day, 4 Q4 4th quarter, 49"),
        ("''HH''", "'10'", "'11'"),
        ("k K hh S SSSSSS", "10 10 10 1 123000", "11 11 11 1 123000"),
        ("G uuuu YYYY", "AD 2026 2026", "AD 2026 2026"),
        ("yyyyMMdd", "20261130", "20261130"),
    ],
)
def test_format_patterns(pattern: str, utc: str, paris: str) -> None:
    moment = datetime(2026, 11, 30, 10, 5, 9, 123000, tzinfo=UTC)
    compiled = compile_pattern(pattern)
    assert compiled.format(moment) == utc
    assert compiled.format(moment.astimezone(PARIS)) == paris


def test_midnight_and_noon_in_twelve_hour_clock() -> None:
    assert compile_pattern("h a k").format(datetime(2026, 1, 1, 0, tzinfo=UTC)) == "12 AM 24"
    assert compile_pattern("h a").format(datetime(2026, 1, 1, 12, tzinfo=UTC)) == "12 PM"


@pytest.mark.parametrize(
    ("text", "pattern", "value"),
    [
        ("2026-11-30T11:00:00+01:00", "yyyy-MM-dd'T'HH:mm:ssXXX", datetime(2026, 11, 30, 10, tzinfo=UTC)),
        ("2026-11-30T10:00:00Z", "yyyy-MM-dd'T'HH:mm:ssXXX", datetime(2026, 11, 30, 10, tzinfo=UTC)),
        ("30/11/26 10:15 pm", "dd/MM/yy hh:mm a", datetime(2026, 11, 30, 22, 15, tzinfo=UTC)),
        ("12:30 AM 2026", "hh:mm a yyyy", datetime(2026, 1, 1, 0, 30, tzinfo=UTC)),
        ("20261130", "yyyyMMdd", datetime(2026, 11, 30, tzinfo=UTC)),
        ("Nov 3, 2026", "MMM d, yyyy", datetime(2026, 11, 3, tzinfo=UTC)),
        ("3 november 2026", "d MMMM yyyy", datetime(2026, 11, 3, tzinfo=UTC)),
        ("2026-11-30 10:00 Europe/Paris", "yyyy-MM-dd HH:mm VV", datetime(2026, 11, 30, 9, tzinfo=UTC)),
        ("2026-11-30 10:00:00.5", "yyyy-MM-dd HH:mm:ss.S", datetime(2026, 11, 30, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-30 10:00 +0530", "yyyy-MM-dd HH:mm Z", datetime(2026, 11, 30, 4, 30, tzinfo=UTC)),
        ("2026-11-30 10:00 GMT+1", "yyyy-MM-dd HH:mm O", datetime(2026, 11, 30, 9, tzinfo=UTC)),
        ("2026 334", "yyyy D", datetime(2026, 11, 30, tzinfo=UTC)),
        ("Mon, 30 Nov 2026", "EEE, dd MMM yyyy", datetime(2026, 11, 30, tzinfo=UTC)),
    ],
)
def test_parse_patterns(text: str, pattern: str, value: datetime) -> None:
    assert compile_pattern(pattern).parse(text) == value


@pytest.mark.parametrize(
    ("text", "pattern", "words"),
    [
        ("2026-13-01", "yyyy-MM-dd", "month must be in 1..12"),
        ("2026-02-30", "yyyy-MM-dd", "day is out of range"),
        ("2026/11/30", "yyyy-MM-dd", "does not match"),
        ("11-30", "MM-dd", "has no year"),
        ("2026 Mars/Base", "yyyy VV", "unknown time zone"),
    ],
)
def test_parse_failures(text: str, pattern: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        compile_pattern(pattern).parse(text)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [("yyyy-bb", "unsupported letter 'b'"), ("'open", "unclosed quote"), ("[yyyy]", "reserved"), ("", "non-empty")],
)
def test_bad_patterns(pattern: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        compile_pattern(pattern)


_moments = st.builds(
    datetime.astimezone,
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
    st.sampled_from([UTC, PARIS, ZoneInfo("Asia/Kolkata")]),
)
_round_trip_patterns = st.sampled_from(["yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", "dd MMM yyyy hh:mm:ss.SSSSSS a xx"])


@given(moment=_moments, pattern=_round_trip_patterns)
def test_format_then_parse_round_trips(moment: datetime, pattern: str) -> None:
    compiled = compile_pattern(pattern)
    parsed = compiled.parse(compiled.format(moment))
    assert parsed == moment
    assert parsed.utcoffset() == moment.utcoffset()


def test_parse_iso_and_zones() -> None:
    assert parse_iso("2026-11-30") == datetime(2026, 11, 30, tzinfo=UTC)
    assert parse_iso(" 2026-11-30T10:00:00.250+01:00 ").utcoffset() == timedelta(hours=1)
    assert parse_iso("2026-11-30T10:00+01:00[Europe/Paris]").tzinfo == PARIS
    assert parse_iso("2026-11-30 10:00") == datetime(2026, 11, 30, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_iso("30/11/2026")
    assert parse_zone("+05:30") == timezone(timedelta(hours=5, minutes=30))
    assert parse_zone("GMT-3") == timezone(timedelta(hours=-3))
    assert parse_zone("+00:00") is UTC
    with pytest.raises(ValueError, match="out of range"):
        parse_zone("+19:00")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("now()", NOW),
        ("timestamp()", 1796032800000),
        ('format(date("2026-11-30T10:00:00+01:00"), "dd MMM yyyy HH:mm XXX")', "30 Nov 2026 10:00 +01:00"),
        ('format("2026-11-30T10:00:00Z", "yyyy")', "2026"),
        ('format(null, "yyyy")', None),
        ('dformat(0, "yyyy-MM-dd HH:mm:ss.SSS")', "1970-01-01 00:00:00.000"),
        ('dformat(-1, "yyyy-MM-dd HH:mm:ss.SSS")', "1969-12-31 23:59:59.999"),
        ('dformat(1500.6, "ss.SSS")', "01.500"),
        ('date("2026-11-30 10:00", "yyyy-MM-dd HH:mm")', NOW),
        ('date("2026-11-30T10:00:00Z")', NOW),
        ("date(1796032800000)", NOW),
        ('date(null, "yyyy", now())', NOW),
        ('date("garbage", "yyyy", "2026-11-30T10:00:00Z")', NOW),
        ('date(null, "yyyy")', None),
        ("date(null)", None),
        ('date_part("year", now())', 2026),
        ('date_part("yyyy", now())', 2026),
        ('date_part("quarter", now())', 4),
        ('date_part("mm", now())', 11),
        ('date_part("dayofyear", now())', 334),
        ('date_part("dd", now())', 30),
        ('date_part("week", now())', 49),
        ('date_part("weekday", now())', 1),
        ('date_part("hh24", zone_date_to_zone(now(), "Europe/Paris"))', 11),
        ('date_part("hh12", date("2026-11-30T22:00:00Z"))', 10),
        ('date_part("mi", date("2026-11-30T22:07:00Z"))', 7),
        ('date_part("ss", date("2026-11-30T22:07:09Z"))', 9),
        ('date_part("SSS", date("2026-11-30T22:07:09.25Z"))', 250),
        ('date_part("MONTH", now())', 11),
        ('date_part("day", null)', None),
        ('set_date_part("month", 4, now())', datetime(2026, 4, 30, 10, tzinfo=UTC)),
        ('set_date_part("yyyy", 2020, now())', datetime(2020, 11, 30, 10, tzinfo=UTC)),
        ('set_date_part("hour", 0, now())', datetime(2026, 11, 30, tzinfo=UTC)),
        ('set_date_part("millisecond", 5, now())', datetime(2026, 11, 30, 10, 0, 0, 5000, tzinfo=UTC)),
        ('set_date_part("dayofyear", 1, now())', datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ('set_date_part("day", 1, null)', None),
        ('make_date_time(2026, 11, 30, 10, 0, 0, 0, "Europe/Paris")', datetime(2026, 11, 30, 9, tzinfo=UTC)),
        ("make_timestamp(2026, 11, 30)", datetime(2026, 11, 30, tzinfo=UTC)),
        (
            'make_date_time(2026, 11, 30, 10, 0, 0, 999999999, "UTC")',
            datetime(2026, 11, 30, 10, 0, 0, 999999, tzinfo=UTC),
        ),
        ("make_date_time(2026, null, 30)", None),
        ('zone_date_to_utc(date("2026-11-30T11:00:00+01:00"))', NOW),
        ('format(zone_date_to_utc(date("2026-11-30T11:00:00+01:00")), "HH:mm XXX")', "10:00 Z"),
        ('format(zone_date_to_zone(now(), "Europe/Paris"), "HH:mm z")', "11:00 CET"),
        ('format(zone_date_to_zone(now(), "-03:00"), "HH:mm xxx")', "07:00 -03:00"),
        ('format(zone_date_to_zone(now(), "America/New_York"), "HH:mm VV")', "05:00 America/New_York"),
        ("zone_date_to_utc(null)", None),
    ],
)
def test_date_functions(text: str, value: object) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('date("30/11/2026")', "date: '30/11/2026' is not an ISO-8601 date"),
        ('date("2026-02-30", "yyyy-MM-dd")', "day is out of range"),
        ('date("x", "yyyy", "also bad")', "not an ISO-8601"),
        ("date([1])", "S must be a date"),
        ('dformat("123", "yyyy")', "EPOCH_MS must be a number"),
        ('dformat(10 * 1000 * 1000 * 1000 * 1000 * 1000, "yyyy")', "out of the supported date range"),
        ("format(now(), data.f)", "FORMAT must be a string"),
        ('format(now(), concat("yyyy-", "bb"))', "unsupported letter"),
        ('format(true, "yyyy")', "DATE must be a date"),
        ('set_date_part("quarter", 1, now())', "cannot set 'quarter'"),
        ('set_date_part("month", 13, now())', "invalid date"),
        ('set_date_part("day", "x", now())', "VALUE must be an integer"),
        ('date_part(concat("fort", "night"), now())', "unknown date component"),
        ("make_date_time(2026, 2, 30)", "invalid date"),
        ('make_date_time(2026, 2, 3, 0, 0, 0, 0, concat("Mars"))', "unknown time zone"),
        ("zone_date_to_zone(now(), data.z)", "ZONE must be a string"),
    ],
)
def test_date_errors(text: str, words: str) -> None:
    assert words in str(fails(text, {"data": {"f": 1, "z": 2}}))
