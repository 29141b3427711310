"""What people and operators see: the clock-state partial, and the overdue-clock report."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string

from deadlines import services
from mash import tenancy
from tests.deadlines.builders import HOUR, T0, refreshed, start
from tests.text import read

pytestmark = pytest.mark.django_db


def state(clock, at):
    with time_machine.travel(at, tick=False):
        return " ".join(render_to_string("deadlines/partials/clock_state.html", {"clock": refreshed(clock)}).split())


def test_the_clock_state_says_in_words_how_long_is_left_and_when_it_is_due_in_local_time(hub):
    clock = start(hub, started_at=T0 - 5 * 30 * 24 * HOUR)  # June: British Summer Time
    html = state(clock, clock.started_at + HOUR)
    assert "On time" in html and "3 h left" in html
    local_due = clock.due_at + HOUR  # BST is UTC+1
    assert local_due.minute == 0 and local_due.hour > 12
    assert f"{local_due.day} {local_due:%B %Y} at {local_due.hour - 12}pm" in html  # GOV.UK style


def test_the_clock_state_says_due_soon_overdue_and_the_escalation_level(hub):
    clock = start(hub)
    assert "Due soon" in state(clock, T0 + 3 * HOUR + timedelta(minutes=5))
    with tenancy.tenant_context(hub.tenant):
        services.process_clock(clock_id=clock.pk, now=T0 + 5 * HOUR)
    html = state(clock, T0 + 5 * HOUR + timedelta(minutes=10))
    assert "Overdue by 1 h" in read(html)
    assert "level 2 of 3: MASH team manager" in html


def test_the_clock_state_says_met_late(hub):
    clock = start(hub)
    with tenancy.tenant_context(hub.tenant):
        services.meet_clock(clock=clock, at=T0 + 4 * HOUR + timedelta(minutes=30), actor=hub.navigator)
    assert "Met late" in state(clock, T0 + 6 * HOUR)


def test_clocks_overdue_is_empty_when_the_engine_keeps_up(hub, capsys):
    clock = start(hub)
    with tenancy.tenant_context(hub.tenant):
        services.process_clock(clock_id=clock.pk, now=T0 + 12 * HOUR)  # every level done
    call_command("clocks_overdue", "--fail")
    assert "No overdue clocks" in capsys.readouterr().out


def test_clocks_overdue_lists_a_missed_breach_and_fails_when_asked(hub, capsys):
    start(hub)  # due long ago, never processed
    call_command("clocks_overdue")
    assert "ALP-00042" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("clocks_overdue", "--fail")
