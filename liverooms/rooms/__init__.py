"""Live rooms: schedule, go live, end; chat, likes, viewers; reminders."""
