"""Services for consultations, one module per area; the public names are re-exported here."""

from support.consultations.services.bookings import (
    BookingError,
    booking_cancel,
    booking_confirm,
    booking_hold,
    booking_reschedule,
    holds_release_expired,
)
from support.consultations.services.calls import (
    CallError,
    JoinLinkError,
    call_end,
    call_join_token,
    call_join_url,
    call_message_post,
    call_note_add,
    call_product_push,
    call_summary_send,
)
from support.consultations.services.notes import NoteError, buyer_note_add

__all__ = [
    "BookingError",
    "CallError",
    "JoinLinkError",
    "NoteError",
    "booking_cancel",
    "booking_confirm",
    "booking_hold",
    "booking_reschedule",
    "buyer_note_add",
    "call_end",
    "call_join_token",
    "call_join_url",
    "call_message_post",
    "call_note_add",
    "call_product_push",
    "call_summary_send",
    "holds_release_expired",
]
