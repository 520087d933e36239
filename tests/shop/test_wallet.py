"""Coins: the wallet ledger's invariants (hypothesis on the real database), concurrent debits
on PostgreSQL, and a coin pack bought through checkout with the test gateway credited once."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.orders.models import OrderStatus
from shop.orders.services import SYSTEM, order_mark_paid, order_record_refund
from shop.payments.services import payment_start, payment_test_charge
from shop.wallet.models import CoinPack, CoinPackPrice, CoinPurchase, EntryKind, LedgerEntry, Wallet
from shop.wallet.selectors import wallet_balance
from shop.wallet.services import (
    WalletError,
    coin_pack_order,
    coin_purchase_credit_order,
    coin_purchase_refund_order,
    wallet_credit,
    wallet_debit,
)
from tests.factories import CatalogWorld, make_shop, make_user


def _assert_consistent(wallet: Wallet) -> None:
    wallet.refresh_from_db()
    total = wallet.entries.aggregate(total=Sum("amount"))["total"] or 0
    assert wallet.balance == total >= 0
    last = wallet.entries.order_by("-id").first()
    assert last is None or last.balance_after == wallet.balance


operations = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), st.integers(1, 500)),
        st.tuples(st.just("debit"), st.integers(1, 700)),
        st.tuples(st.just("replay"), st.integers(0, 40)),
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_ledger_invariants_hold_for_any_sequence(steps: list[tuple[str, int]]) -> None:
    """Given random credits, debits and replays of earlier requests, the balance always
    equals the sum of the entries and is never negative; a replay changes nothing; a debit
    beyond the balance is refused with insufficient_coins and writes nothing."""
    shop = make_shop(f"coins-{make_user().pk}")  # a fresh wallet per example
    user = make_user()
    done: list[tuple[str, int, str, int]] = []  # (kind, amount, key, entry id)
    expected = 0
    for index, (kind, value) in enumerate(steps):
        if kind == "replay":
            if not done:
                continue
            op, amount, key, entry_id = done[value % len(done)]
            call = wallet_credit if op == "credit" else wallet_debit
            entries_before = LedgerEntry.objects.count()
            entry = call(
                user=user,
                shop_id=shop.pk,
                amount=amount,
                kind=EntryKind.ADJUSTMENT,
                idempotency_key=key,
            )
            assert entry.pk == entry_id
            assert LedgerEntry.objects.count() == entries_before
        elif kind == "credit":
            key = f"c{index}"
            entry = wallet_credit(
                user=user,
                shop_id=shop.pk,
                amount=value,
                kind=EntryKind.ADJUSTMENT,
                idempotency_key=key,
            )
            expected += value
            done.append((kind, value, key, entry.pk))
        else:
            key = f"d{index}"
            if value > expected:
                with pytest.raises(WalletError) as refused:
                    wallet_debit(
                        user=user,
                        shop_id=shop.pk,
                        amount=value,
                        kind=EntryKind.ADJUSTMENT,
                        idempotency_key=key,
                    )
                assert refused.value.code == "insufficient_coins"
            else:
                entry = wallet_debit(
                    user=user,
                    shop_id=shop.pk,
                    amount=value,
                    kind=EntryKind.ADJUSTMENT,
                    idempotency_key=key,
                )
                expected -= value
                done.append((kind, value, key, entry.pk))
        assert wallet_balance(user=user, shop=shop) == expected
        wallet = Wallet.objects.filter(user=user, shop=shop).first()
        if wallet is not None:
            _assert_consistent(wallet)


@pytest.mark.django_db
def test_bad_requests_touch_nothing(world: CatalogWorld) -> None:
    shop, user = world.shop_a, world.shopper
    wallet_credit(
        user=user, shop_id=shop.pk, amount=10, kind=EntryKind.ADJUSTMENT, idempotency_key="k"
    )
    for amount, key, code in (
        (0, "a", "bad_amount"),
        (-5, "b", "bad_amount"),
        (3, "", "bad_idempotency_key"),
    ):
        with pytest.raises(WalletError) as refused:
            wallet_debit(
                user=user, shop_id=shop.pk, amount=amount, kind=EntryKind.GIFT, idempotency_key=key
            )
        assert refused.value.code == code
    with pytest.raises(WalletError) as refused:  # the same key for a different movement
        wallet_credit(
            user=user, shop_id=shop.pk, amount=11, kind=EntryKind.ADJUSTMENT, idempotency_key="k"
        )
    assert refused.value.code == "idempotency_conflict"
    with pytest.raises(WalletError) as refused:  # no wallet in shop B: nothing to spend
        wallet_debit(
            user=user, shop_id=world.shop_b.pk, amount=1, kind=EntryKind.GIFT, idempotency_key="x"
        )
    assert refused.value.code == "insufficient_coins"
    assert wallet_balance(user=user, shop=shop) == 10
    assert LedgerEntry.objects.count() == 1
    assert not Wallet.objects.filter(shop=world.shop_b).exists()
    # The database refuses a negative balance even if code forgot to check.
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(user=user, shop=shop).update(balance=-1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are verified on PostgreSQL"
)
def test_concurrent_debits_never_overdraw(live_world: CatalogWorld) -> None:
    """Given 500 coins, when 16 threads try 10 debits of 7 coins each at once, then exactly
    71 succeed (497 coins), the rest are refused, and the ledger adds up."""
    shop, user = live_world.shop_a, live_world.shopper
    wallet_credit(
        user=user, shop_id=shop.pk, amount=500, kind=EntryKind.PURCHASE, idempotency_key="seed"
    )
    barrier = threading.Barrier(16)

    def spend(thread: int) -> Counter[str]:
        outcome: Counter[str] = Counter()
        try:
            barrier.wait(timeout=30)
            for attempt in range(10):
                try:
                    wallet_debit(
                        user=user,
                        shop_id=shop.pk,
                        amount=7,
                        kind=EntryKind.GIFT,
                        idempotency_key=f"t{thread}-{attempt}",
                    )
                    outcome["ok"] += 1
                except WalletError as refused:
                    outcome[refused.code] += 1
        finally:
            connections.close_all()
        return outcome

    with ThreadPoolExecutor(max_workers=16) as pool:
        total = sum(pool.map(spend, range(16)), Counter())
    assert total == Counter({"ok": 71, "insufficient_coins": 89})
    wallet = Wallet.objects.get(user=user, shop=shop)
    assert wallet.balance == 3
    _assert_consistent(wallet)
    balances = sorted(wallet.entries.values_list("balance_after", flat=True))
    assert balances == sorted({*balances}) and min(balances) == 3  # each step once, none below


def _pack(shop: Any, coins: int = 100, **prices: str) -> CoinPack:
    pack = CoinPack.objects.create(shop=shop, name=f"{coins} coins", coins=coins)
    for currency, amount in (prices or {"USD": "4.99"}).items():
        CoinPackPrice.objects.create(pack=pack, currency=currency, amount=Decimal(amount))
    return pack


@pytest.mark.django_db(transaction=True)
def test_coin_pack_bought_with_test_gateway_credits_once(live_world: CatalogWorld) -> None:
    """Given a pack of 100 coins at 4.99 USD, when the shopper pays with the test card, then
    the wallet holds 100 coins; the paid hook and the paid notification running again (a
    replayed webhook) credit nothing more."""
    shop, user = live_world.shop_b, live_world.shopper
    pack = _pack(shop, 100, USD="4.99")
    order = coin_pack_order(pack_id=pack.pk, user=user, currency="USD", language="en")
    assert (order.total, order.currency, order.source_type) == (Decimal("4.99"), "USD", "coins")
    assert wallet_balance(user=user, shop=shop) == 0
    payment = payment_start(order=order)
    payment = payment_test_charge(payment=payment, card_number="4242424242424242")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert wallet_balance(user=user, shop=shop) == 100
    coin_purchase_credit_order(order)  # the hook again
    order_mark_paid(order_id=order.pk, actor=SYSTEM)  # a replayed paid notification
    assert wallet_balance(user=user, shop=shop) == 100
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.order_id, entry.amount) == (EntryKind.PURCHASE, order.pk, 100)
    assert CoinPurchase.objects.get(order=order).credited_at is not None
    assert wallet_balance(user=user, shop=live_world.shop_a) == 0  # coins are per shop


@pytest.mark.django_db(transaction=True)
def test_coins_page_buys_a_pack_through_the_payment_page(live_world: CatalogWorld) -> None:
    shop, user = live_world.shop_a, live_world.shopper
    pack = _pack(shop, 250, EUR="9.00")  # shop A sells in EUR; USD via the FX rate
    inactive = _pack(shop, 5)
    inactive.active = False
    inactive.save()
    client = Client()
    assert client.get("/en/coins/").status_code == 302  # sign in first
    client.force_login(user)
    page = client.get("/en/coins/?shop=shop-a")
    assert page.status_code == 200
    assert f'data-pack="{pack.pk}"' in page.content.decode()
    assert f'data-pack="{inactive.pk}"' not in page.content.decode()
    refused = client.post(f"/en/coins/buy/{inactive.pk}/")
    assert refused.status_code == 302 and refused["Location"].endswith("/coins/")
    bought = client.post(f"/en/coins/buy/{pack.pk}/")
    number = bought["Location"].split("/")[-3]
    assert bought["Location"] == f"/en/orders/{number}/pay/"
    paid = client.post(
        bought["Location"], {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
    )
    assert paid.status_code == 302
    assert wallet_balance(user=user, shop=shop) == 250
    page = client.get("/en/coins/").content.decode()
    assert '<span class="coin-balance">250</span>' in page
    assert "+250" in page
    other = Client()
    other.force_login(make_user())
    assert other.get(f"/en/orders/{number}/pay/").status_code == 404  # not their order


@pytest.mark.django_db(transaction=True)
def test_refunding_a_coin_order_takes_its_coins_back_once(live_world: CatalogWorld) -> None:
    """Given 100 coins bought for 4.00 USD, when half the order is refunded, then 50 coins go
    back (once, even if the hook runs again); when the rest is refunded after the shopper spent
    30 coins, only what is left is taken and the balance never goes below zero."""
    shop, user = live_world.shop_b, live_world.shopper
    pack = _pack(shop, 100, USD="4.00")
    order = coin_pack_order(pack_id=pack.pk, user=user, currency="USD", language="en")
    payment_test_charge(payment=payment_start(order=order), card_number="4242424242424242")
    assert wallet_balance(user=user, shop=shop) == 100
    order_record_refund(order_id=order.pk, amount=Decimal("2.00"), actor=SYSTEM)
    assert wallet_balance(user=user, shop=shop) == 50
    coin_purchase_refund_order(order, Decimal("2.00"))  # a replayed hook
    assert wallet_balance(user=user, shop=shop) == 50
    wallet_debit(user=user, shop_id=shop.pk, amount=30, kind=EntryKind.GIFT, idempotency_key="g1")
    order_record_refund(order_id=order.pk, amount=Decimal("2.00"), actor=SYSTEM)
    assert wallet_balance(user=user, shop=shop) == 0
    refunds = LedgerEntry.objects.filter(kind=EntryKind.REFUND, order=order).order_by("pk")
    assert [e.amount for e in refunds] == [-50, -20]
    assert refunds.last().reference.endswith("(short 30)")
    wallet = Wallet.objects.get(user=user, shop=shop)
    assert wallet.balance == wallet.entries.aggregate(total=Sum("amount"))["total"] == 0
