"""Gateway registry: ``get_gateway(name)`` returns the implementation of the interface."""

from __future__ import annotations

from shop.payments.gateways.base import Gateway, GatewayError
from shop.payments.gateways.stripe_gateway import StripeGateway
from shop.payments.gateways.test_gateway import TestGateway

GATEWAYS: dict[str, type[Gateway]] = {"test": TestGateway, "stripe": StripeGateway}


def get_gateway(name: str) -> Gateway:
    try:
        return GATEWAYS[name]()
    except KeyError:
        raise GatewayError(f"Unknown payment gateway {name!r}", "unknown_gateway") from None


__all__ = ["GATEWAYS", "Gateway", "GatewayError", "get_gateway"]
