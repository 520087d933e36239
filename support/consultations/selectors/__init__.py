"""Selectors for consultations, one module per area; the public names are re-exported here."""

from support.consultations.selectors.calls import (
    CallRole,
    CallState,
    NotACallParty,
    access_call,
    call_role,
    call_state,
)
from support.consultations.selectors.consultant import (
    access_buyer,
    access_calendar,
    buyer_profile_for_user,
    consultant_week,
    consultants_for_user,
    todays_calls,
)
from support.consultations.selectors.slots import (
    UTC,
    InvalidTimeZone,
    Slot,
    access_booking,
    availability_starts,
    blocking_bookings,
    calls_on_local_day,
    consultants_for_service,
    local_to_utc,
    open_slots,
    zone_for,
)

__all__ = [
    "UTC",
    "CallRole",
    "CallState",
    "InvalidTimeZone",
    "NotACallParty",
    "Slot",
    "access_booking",
    "access_buyer",
    "access_calendar",
    "access_call",
    "availability_starts",
    "blocking_bookings",
    "buyer_profile_for_user",
    "call_role",
    "call_state",
    "calls_on_local_day",
    "consultant_week",
    "consultants_for_service",
    "consultants_for_user",
    "local_to_utc",
    "open_slots",
    "todays_calls",
    "zone_for",
]
