"""The support chat's sockets: the shopper's widget and the staff inbox."""

from support.chat.consumers.inbox import InboxConsumer
from support.chat.consumers.widget import VISITOR_SESSION_KEY, SupportConsumer

__all__ = ["VISITOR_SESSION_KEY", "InboxConsumer", "SupportConsumer"]
