"""The scheduleParams rules of the REST flow spec, one test per rule, and the due ticks."""

from __future__ import annotations

from typing import Any

import pytest

from stripeflow.flows.schedule import Schedule, ScheduleError, due_window, next_runs, parse_schedule

START = 1_710_267_858


def refused(params: Any) -> ScheduleError:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(params)
    return caught.value


@pytest.mark.parametrize("start", [START, str(START), f" {START} ", float(START)])
def test_start_time_is_accepted_as_number_or_string(start: object) -> None:
    schedule = parse_schedule({"startTime": start, "frequency": "once"})
    assert schedule == Schedule(START, "once")


def test_start_time_is_required() -> None:
    error = refused({"frequency": "hour", "interval": 1})
    assert error.field == "startTime"
    assert "required" in str(error)
    assert refused({"startTime": "", "frequency": "once"}).field == "startTime"


@pytest.mark.parametrize("start", ["soon", "12.5", -5, "-5", True, [1], {"a": 1}, 1.5])
def test_start_time_must_be_epoch_seconds(start: object) -> None:
    error = refused({"startTime": start, "frequency": "once"})
    assert error.field == "startTime"
    assert "epoch seconds" in str(error)


def test_start_time_in_milliseconds_is_refused() -> None:
    assert "milliseconds" in str(refused({"startTime": START * 1000, "frequency": "once"}))


def test_frequency_is_required() -> None:
    error = refused({"startTime": START})
    assert error.field == "frequency"
    assert "required" in str(error)


@pytest.mark.parametrize("frequency", ["monthly", "Minute", 5, "hours"])
def test_frequency_must_be_one_of_the_five(frequency: object) -> None:
    error = refused({"startTime": START, "frequency": frequency, "interval": 1})
    assert error.field == "frequency"
    assert "once | minute | hour | day | week" in str(error)


@pytest.mark.parametrize(
    ("field", "value"), [("interval", 15), ("interval", "1"), ("backfill", True), ("backfill", "false")]
)
def test_once_takes_neither_interval_nor_backfill(field: str, value: object) -> None:
    error = refused({"startTime": START, "frequency": "once", field: value})
    assert error.field == field
    assert "must not be present when frequency is 'once'" in str(error)


@pytest.mark.parametrize("frequency", ["minute", "hour", "day", "week"])
def test_interval_is_required_for_periodic_frequencies(frequency: str) -> None:
    error = refused({"startTime": START, "frequency": frequency})
    assert error.field == "interval"
    assert "required" in str(error)


@pytest.mark.parametrize("interval", [15, "15", 60, "240"])
def test_minute_interval_of_at_least_15_as_number_or_string(interval: object) -> None:
    assert parse_schedule({"startTime": START, "frequency": "minute", "interval": interval}).interval == int(
        str(interval)
    )


@pytest.mark.parametrize("interval", [1, 14, "14"])
def test_minute_interval_below_15_is_refused(interval: object) -> None:
    error = refused({"startTime": START, "frequency": "minute", "interval": interval})
    assert error.field == "interval"
    assert "at least 15" in str(error)


@pytest.mark.parametrize("frequency", ["hour", "day", "week"])
@pytest.mark.parametrize("interval", [1, "1", 15, "3"])
def test_other_frequencies_take_an_interval_of_at_least_1(frequency: str, interval: object) -> None:
    assert parse_schedule({"startTime": START, "frequency": frequency, "interval": interval}).interval == int(
        str(interval)
    )


@pytest.mark.parametrize("frequency", ["minute", "hour", "day", "week"])
@pytest.mark.parametrize("interval", [0, "0"])
def test_interval_is_never_zero(frequency: str, interval: object) -> None:
    error = refused({"startTime": START, "frequency": frequency, "interval": interval})
    assert error.field == "interval"
    assert "non-zero" in str(error)


@pytest.mark.parametrize("interval", [-1, "-2"])
def test_negative_interval_is_refused(interval: object) -> None:
    assert "at least 1" in str(refused({"startTime": START, "frequency": "day", "interval": interval}))


@pytest.mark.parametrize("interval", ["often", 1.5, True, None, [1]])
def test_interval_must_be_an_integer(interval: object) -> None:
    error = refused({"startTime": START, "frequency": "hour", "interval": interval})
    assert error.field == "interval"


def test_backfill_defaults_to_true() -> None:
    schedule = parse_schedule({"startTime": START, "frequency": "hour", "interval": 1})
    assert schedule.backfill is True
    assert schedule.backfills


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (False, False), ("true", True), ("false", False), ("FALSE", False)]
)
def test_backfill_is_a_boolean_or_its_string(value: object, expected: bool) -> None:
    assert (
        parse_schedule({"startTime": START, "frequency": "day", "interval": 1, "backfill": value}).backfill is expected
    )


@pytest.mark.parametrize("value", ["yes", 1, 0, None, "1"])
def test_backfill_must_be_boolean(value: object) -> None:
    error = refused({"startTime": START, "frequency": "day", "interval": 1, "backfill": value})
    assert error.field == "backfill"
    assert "boolean" in str(error)


def test_unknown_fields_and_non_objects_are_refused() -> None:
    assert refused({"startTime": START, "frequency": "once", "every": 3}).field == "every"
    assert "object" in str(refused(["once"]))


def test_values_are_echoed_as_strings() -> None:
    periodic = parse_schedule({"startTime": START, "frequency": "week", "interval": 15})
    assert periodic.to_json() == {"startTime": str(START), "frequency": "week", "interval": "15", "backfill": "true"}
    assert parse_schedule({"startTime": str(START), "frequency": "once"}).to_json() == {
        "startTime": str(START),
        "frequency": "once",
    }


def test_message_names_field_and_rule() -> None:
    assert str(refused({"startTime": START, "frequency": "minute", "interval": 5})) == (
        "scheduleParams.interval: must be at least 15 when frequency is 'minute', got 5"
    )


HOURLY = Schedule(START, "hour", 1, True)


def test_no_tick_before_start_time() -> None:
    assert next_runs(HOURLY, None, START - 1) == []
    assert due_window(HOURLY, None, START - 1) is None


def test_first_tick_is_the_start_time() -> None:
    assert next_runs(HOURLY, None, START) == [START]
    assert next_runs(HOURLY, None, START + 3599) == [START]


def test_ticks_after_the_last_scheduled_one() -> None:
    assert next_runs(HOURLY, START, START + 3599) == []
    assert next_runs(HOURLY, START, START + 3600) == [START + 3600]
    assert next_runs(HOURLY, START, START + 3 * 3600 + 5) == [START + 3600, START + 7200, START + 10800]


def test_interval_multiplies_the_period() -> None:
    every_15_minutes = Schedule(START, "minute", 15, True)
    assert next_runs(every_15_minutes, None, START + 1800) == [START, START + 900, START + 1800]
    every_2_weeks = Schedule(START, "week", 2, True)
    assert next_runs(every_2_weeks, START, START + 3 * 604800) == [START + 2 * 604800]


def test_once_has_one_tick() -> None:
    once = Schedule(START, "once")
    assert next_runs(once, None, START - 1) == []
    assert next_runs(once, None, START + 10**6) == [START]
    assert next_runs(once, START, START + 10**6) == []


def test_first_window_reads_all_history_with_backfill() -> None:
    window = due_window(HOURLY, None, START + 10)
    assert window is not None
    assert (window.tick, window.window_start, window.window_end, window.missed) == (START, 0, START, 0)


def test_first_window_starts_at_start_time_without_backfill() -> None:
    window = due_window(Schedule(START, "hour", 1, False), None, START)
    assert window is not None
    assert window.window_start == START == window.window_end


def test_missed_ticks_are_coalesced_into_one_window() -> None:
    window = due_window(HOURLY, START, START + 5 * 3600 + 30)
    assert window is not None
    assert window.tick == START + 5 * 3600
    assert (window.window_start, window.window_end) == (START, START + 5 * 3600)
    assert window.missed == 4


def test_windows_are_contiguous() -> None:
    first = due_window(HOURLY, None, START)
    assert first is not None
    second = due_window(HOURLY, first.window_end, START + 3600)
    assert second is not None
    assert second.window_start == first.window_end
    assert second.missed == 0
