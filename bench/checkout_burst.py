"""Flash-sale checkout burst: N buyers race for a small stock on PostgreSQL.

Prints JSON: orders/s, p50/p99 checkout latency and the oversell count (must be 0) for
Showroom's checkout (``order_place`` + ``order_mark_paid``), and, measured in the same run on
the same database, a naive baseline (read stock, check, write it back: no lock, no
conditional update) so the numbers are read as ratios, not absolute times.

    .venv/bin/python bench/checkout_burst.py --buyers 500 --stock 50 --concurrency 48
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

import logging  # noqa: E402

from config.celery import app as celery_app  # noqa: E402

# As in production: e-mails are queued to the broker, not sent inside the buyer's request.
celery_app.conf.task_always_eager = False
logging.disable(logging.WARNING)

from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from shop.catalog.models import Variant  # noqa: E402
from shop.orders.services import SYSTEM, CheckoutError, order_mark_paid, order_place  # noqa: E402
from tests.factories import address, make_product, make_shipping, make_shop  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_burst(buyers: int, concurrency: int, buy: Callable[[int], str]) -> dict[str, object]:
    latencies: list[float] = []
    finished: dict[str, float] = {}  # outcome -> when the last one of that kind finished
    lock = threading.Lock()
    start_gate = threading.Barrier(concurrency)

    def one(index: int) -> str:
        if index < concurrency:
            start_gate.wait(timeout=60)  # the first wave starts together
        started = time.perf_counter()
        outcome = "error"
        try:
            outcome = buy(index)
            return outcome
        finally:
            ended = time.perf_counter()
            with lock:
                latencies.append(ended - started)
                finished[outcome] = ended
            connections.close_all()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = Counter(pool.map(one, range(buyers)))
    wall = time.perf_counter() - began
    return {
        "outcomes": dict(outcomes),
        "wall_s": round(wall, 3),
        "last_sale_s": round(
            max(finished.get("paid", began), finished.get("sold", began)) - began, 3
        ),
        "checkouts_per_s": round(buyers / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--stock", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=48, help="simultaneous connections")
    args = parser.parse_args()

    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        shop = make_shop("bench-shop", default_currency="EUR")
        rate = make_shipping(shop, ["ES"], {"EUR": "5"})
        product = make_product(shop, "flash-item", prices={"EUR": "49.00"}, stock=args.stock)
        variant = product.variants.get()
        shipping_address = address()

        def showroom_buy(index: int) -> str:
            try:
                order = order_place(
                    shop=shop,
                    items=[(variant.pk, 1)],
                    currency="EUR",
                    language="en",
                    email=f"buyer{index}@bench.test",
                    user=None,
                    address=shipping_address,
                    rate_id=rate.pk,
                )
            except CheckoutError as refused:
                return refused.code
            order_mark_paid(order_id=order.pk, actor=SYSTEM)
            return "paid"

        ours = run_burst(args.buyers, args.concurrency, showroom_buy)
        variant.refresh_from_db()
        paid = ours["outcomes"].get("paid", 0)  # type: ignore[union-attr]
        ours.update(
            paid_orders=paid,
            # Paid orders per second while there was stock to sell.
            orders_per_s=round(paid / max(ours["last_sale_s"], 1e-6), 1),  # type: ignore[operator, arg-type]
            stock_left=variant.stock,
            oversell=max(0, paid - args.stock),
        )

        # Naive baseline: the textbook race (SELECT stock; if > 0: UPDATE stock = stock - 1).
        Variant.objects.filter(pk=variant.pk).update(stock=args.stock)

        def naive_buy(index: int) -> str:
            row = Variant.objects.get(pk=variant.pk)
            if row.stock < 1:
                return "sold_out"
            row.stock -= 1
            row.save(update_fields=["stock"])
            return "sold"

        naive = run_burst(args.buyers, args.concurrency, naive_buy)
        sold = naive["outcomes"].get("sold", 0)  # type: ignore[union-attr]
        naive.update(sold=sold, oversell=max(0, sold - args.stock))

        report = {
            "benchmark": "checkout_burst",
            "database": connection.vendor,
            "buyers": args.buyers,
            "stock": args.stock,
            "concurrency": args.concurrency,
            "showroom": ours,
            "naive_baseline": naive,
            "ratios": {
                "p50_vs_naive": round(ours["p50_ms"] / max(naive["p50_ms"], 0.001), 2),  # type: ignore[operator]
                "checkouts_per_s_vs_naive": round(
                    ours["checkouts_per_s"] / naive["checkouts_per_s"], 2
                ),  # type: ignore[operator]
            },
        }
        print(json.dumps(report, indent=2))
        if ours["oversell"]:
            sys.exit("OVERSOLD")
    finally:
        teardown_databases(old_config, verbosity=0)
        celery_app.control.purge()  # drop the queued e-mails of fake buyers


if __name__ == "__main__":
    main()
