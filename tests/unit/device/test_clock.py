"""The clock offset a member starts a group's song by: the same on every member when
their clocks agree, whatever trips their own commands took."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from device.clock import ClockOffset

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def ms(n: float) -> timedelta:
    return timedelta(milliseconds=n)


def test_a_fast_own_command_does_not_make_one_member_start_early():
    """Both members got the group's commands 12 ms after they were issued (the relay's
    moment); one also got a command of its own through in 2 ms."""
    left, right = ClockOffset(), ClockOffset()
    for n in range(3):
        issued = T0 + timedelta(seconds=n)
        for member in (left, right):
            member.observe(issued, issued + ms(12), group=7)
    left.observe(T0 + ms(500), T0 + ms(502))  # its own command, a quick trip

    start = T0 + timedelta(seconds=10)
    assert left.local(start, 7) == right.local(start, 7)
    assert left.local(start) == start + ms(2)  # its own best estimate otherwise


def test_before_any_group_command_the_devices_own_samples_are_used():
    clock = ClockOffset()
    clock.observe(T0, T0 + ms(300.5))  # a device clock 300 ms ahead, a 0.5 ms trip
    clock.observe(T0 + ms(100), T0 + ms(420))

    assert clock.local(T0, 9) == T0 + ms(300.5)
    assert clock.seconds == 0.3005
