"""The distribution network's business: per-system stock books and the event flows.

Flows: ASN -> receipt -> putaway; order reserve -> pick -> ship (WMS or 3PL)
with short picks and releases; replenishment moves; cycle counts and damage;
customer returns. Each event is applied to its source's own books when it
happens and handed to ``emit``; the middleware applies it to targets later.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from simulator.clock import NS_PER_S

from .books import Books
from .clock import Scheduler
from .events import Event
from .faults import FaultProfile
from .lots import Lots
from .network import CHANNELS, COMMERCE, EDI, TPL, Network, Sku, Warehouse
from .pickfaults import Injected, PickFaults

__all__ = ["Books", "FlowKnobs", "Injected", "Model"]

_MIN = 60 * NS_PER_S
_H = 3600 * NS_PER_S


def _ns(seconds: float) -> int:
    return round(seconds * 1_000_000) * 1000


@dataclass(frozen=True)
class FlowKnobs:
    orders_per_hour: float = 600.0
    cycle_counts_per_hour: float = 12.0  # per warehouse
    damages_per_hour: float = 2.0  # per warehouse
    return_rate: float = 0.05  # share of shipped orders returned
    tpl_share: float = 0.3  # share of SKUs also stocked at the 3PL


@dataclass
class _Order:
    id: str
    sku: Sku
    warehouse: Warehouse
    qty: int
    channel: str
    shipped: list[tuple[str, int]] = field(default_factory=list)  # (lot, quantity)


class Model:
    def __init__(
        self,
        network: Network,
        knobs: FlowKnobs,
        profile: FaultProfile,
        scheduler: Scheduler,
        rng: random.Random,
        fault_rng: random.Random,
        emit: Callable[[Event], None],
        *,
        run_tag: str,
        sequence_base: int,
    ) -> None:
        self.network = network
        self.knobs = knobs
        self.books = Books(network)
        self._profile = profile
        self._sched = scheduler
        self._rng = rng
        self._frng = fault_rng
        self._emit = emit
        self._tag = run_tag
        self._seq_base = sequence_base
        self._seq: Counter[tuple[str, str, str]] = Counter()
        self._ids: Counter[str] = Counter()
        self._orders = 0
        self._pos = 0
        self._open_inbound: Counter[tuple[str, str]] = Counter()
        self._replen_pending: set[tuple[str, str]] = set()
        self._sku_weights = [1.0 / (s.index + 10) for s in network.skus]
        self._tpl_skus = {s.code for s in network.skus if rng.random() < knobs.tpl_share}
        self._ops = [wh for wh in network.warehouses if self._stocks(wh)]
        self._lots = Lots(self.books, run_tag)
        self._faults = PickFaults(self.books, self._lots, profile, fault_rng)
        self.injected = self._faults.injected

    # -- setup ---------------------------------------------------------------

    def _stocks(self, wh: Warehouse) -> bool:
        return wh.operator != TPL or bool(self._tpl_skus)

    def _carries(self, wh: Warehouse, sku: Sku) -> bool:
        return wh.operator != TPL or sku.code in self._tpl_skus

    def opening_balance(self) -> None:
        """Identical opening stock in every system that keeps on-hand stock."""
        rng = self._rng
        for wh in self.network.warehouses:
            for sku in self.network.skus:
                if not self._carries(wh, sku):
                    continue
                scale = {"A": 3, "B": 2, "C": 1}[sku.item_class]
                for loc, qty in (
                    (wh.pick_bin(sku), rng.randint(10, 40) * scale),
                    (wh.reserve_bin(sku), rng.randint(20, 80) * scale),
                ):
                    lot = self._lots.new(sku)
                    for instance in (wh.operator, "erp/s4", COMMERCE):
                        self.books.add(instance, (sku.code, loc, "on_hand", lot), qty)

    def start(self) -> None:
        now = self._sched.now_ns
        self._faults.start(now)
        self._sched.at(now + self._exp(self.knobs.orders_per_hour), self._order)
        for wh in self._ops:
            self._sched.at(
                now + self._exp(self.knobs.cycle_counts_per_hour), partial(self._count, wh)
            )
            self._sched.at(now + self._exp(self.knobs.damages_per_hour), partial(self._damage, wh))
        rate = self._profile.rates().ownership_violation_per_hour
        if rate > 0:
            self._sched.at(now + self._exp(rate, self._frng), self._violation)

    def _exp(self, per_hour: float, rng: random.Random | None = None) -> int:
        return _ns((rng or self._rng).expovariate(per_hour / 3600.0))

    # -- emitting ------------------------------------------------------------

    def _event(
        self,
        source: str,
        type_: str,
        prefix: str,
        sku: str,
        location: str,
        quantity: int,
        **kw: object,
    ) -> Event:
        self._ids[source] += 1
        seq_key = (source, sku, location)
        self._seq[seq_key] += 1
        ev = Event(
            source=source,
            id=f"{prefix}-{self._tag}-{self._ids[source]:07d}",
            type=type_,
            time_ns=self._sched.now_ns,
            sku=sku,
            location=location,
            quantity=quantity,
            sequence=self._seq_base + self._seq[seq_key],
            **kw,  # type: ignore[arg-type]
        )
        self.books.apply(source, ev)
        self._emit(ev)
        return ev

    # -- flows ---------------------------------------------------------------

    def _available(self, wh: Warehouse, sku: Sku) -> int:
        b = self.books
        return b.qty(COMMERCE, (sku.code, wh.code, "on_hand")) - b.qty(
            COMMERCE, (sku.code, wh.code, "allocated")
        )

    def _order(self) -> None:
        rng = self._rng
        self._sched.at(self._sched.now_ns + self._exp(self.knobs.orders_per_hour), self._order)
        sku = rng.choices(self.network.skus, self._sku_weights)[0]
        qty = rng.choice((1, 1, 1, 2, 2, 3))
        channel = rng.choice(CHANNELS)
        candidates = [wh for wh in self._ops if self._carries(wh, sku)]
        rng.shuffle(candidates)
        wh = next((w for w in candidates if self._available(w, sku) >= qty), None)
        if wh is None:
            return
        self._orders += 1
        order = _Order(f"SO-{self._tag}-{self._orders:07d}", sku, wh, qty, channel)
        self._event(
            COMMERCE, "inventory.reserved", "rsv", sku.code, wh.code, qty,
            stock_status="allocated", order_id=order.id, channel=channel,
        )  # fmt: skip
        self._sched.at(self._sched.now_ns + _ns(rng.uniform(600, 5400)), lambda: self._pick(order))

    def _pick(self, order: _Order) -> None:
        rng = self._rng
        wh, sku = order.warehouse, order.sku
        bin_ = wh.pick_bin(sku)
        have = self.books.qty(wh.operator, (sku.code, bin_, "on_hand"))
        shipped = min(order.qty, max(have, 0))
        now = self._sched.now_ns
        shipped = self._faults.before_ship(wh, sku, bin_, order.id, order.qty, shipped, now)
        order.shipped = self._lots.take(wh.operator, sku, bin_, shipped)
        for lot, q in order.shipped:
            self._event(
                wh.operator, "shipment.confirmed", "shp", sku.code, bin_, -q,
                order_id=order.id, channel=order.channel, lot=lot,
            )  # fmt: skip
        self._faults.after_ship(wh, sku, bin_, now)
        self._sched.at(
            self._sched.now_ns + _ns(rng.uniform(5, 120)),
            lambda: self._event(
                COMMERCE, "inventory.released", "rel", sku.code, wh.code, -order.qty,
                stock_status="allocated", order_id=order.id, channel=order.channel,
                reason="fulfilled" if shipped == order.qty else "short pick",
            ),
        )  # fmt: skip
        if shipped > 0 and rng.random() < self.knobs.return_rate:
            delay = _ns(rng.uniform(3600, 36 * 3600))
            self._sched.at(self._sched.now_ns + delay, lambda: self._return(order))
        self._replenish(wh, sku)

    def _replenish(self, wh: Warehouse, sku: Sku) -> None:
        rng = self._rng
        op = wh.operator
        pick = self.books.qty(op, (sku.code, wh.pick_bin(sku), "on_hand"))
        reserve = self.books.qty(op, (sku.code, wh.reserve_bin(sku), "on_hand"))
        key = (wh.code, sku.code)
        if pick < 10 and reserve > 0 and key not in self._replen_pending:
            self._replen_pending.add(key)
            self._sched.at(
                self._sched.now_ns + _ns(rng.uniform(300, 1800)), lambda: self._move_up(wh, sku)
            )
        inbound = self._open_inbound[key]
        if pick + reserve + inbound < 40:
            qty = rng.choice((48, 96, 144))
            self._open_inbound[key] += qty
            self._asn(wh, sku, qty)

    def _move_up(self, wh: Warehouse, sku: Sku) -> None:
        self._replen_pending.discard((wh.code, sku.code))
        for lot, qty in self._lots.take(wh.operator, sku, wh.reserve_bin(sku), 60):
            self._event(
                wh.operator, "inventory.moved", "mov", sku.code, wh.reserve_bin(sku), qty,
                to_location=wh.pick_bin(sku), reason="replenishment", lot=lot,
            )  # fmt: skip

    def _asn(self, wh: Warehouse, sku: Sku, qty: int) -> None:
        rng = self._rng
        self._pos += 1
        po = f"PO-{self._tag}-{self._pos:06d}"
        self._event(
            EDI, "asn.received", "asn", sku.code, wh.code, qty,
            stock_status="in_transit", order_id=po, reason="ASN",
        )  # fmt: skip
        self._sched.at(
            self._sched.now_ns + _ns(rng.uniform(2 * 3600, 8 * 3600)),
            lambda: self._receive(wh, sku, qty, po),
        )

    def _receive(self, wh: Warehouse, sku: Sku, qty: int, po: str) -> None:
        rng = self._rng
        lot = self._lots.new(sku)
        self._event(
            wh.operator, "inventory.received", "rcv", sku.code, wh.receiving_bin, qty,
            order_id=po, lot=lot,
        )  # fmt: skip
        self._sched.at(
            self._sched.now_ns + _ns(rng.uniform(1, 60)),
            lambda: self._event(
                EDI, "asn.received", "asn", sku.code, wh.code, -qty,
                stock_status="in_transit", order_id=po, reason="ASN closed by receipt",
            ),
        )  # fmt: skip
        self._sched.at(
            self._sched.now_ns + _ns(rng.uniform(600, 2400)),
            lambda: self._putaway(wh, sku, qty, po, lot),
        )

    def _putaway(self, wh: Warehouse, sku: Sku, qty: int, po: str, lot: str) -> None:
        self._open_inbound[(wh.code, sku.code)] -= qty
        self._event(
            wh.operator, "inventory.moved", "mov", sku.code, wh.receiving_bin, qty,
            to_location=wh.reserve_bin(sku), order_id=po, reason="putaway", lot=lot,
        )  # fmt: skip
        self._replenish(wh, sku)

    def _return(self, order: _Order) -> None:
        rng = self._rng
        wh, sku = order.warehouse, order.sku
        damaged = rng.random() < 0.15
        status = "damaged" if damaged else "on_hand"
        for lot, qty in order.shipped:
            self._event(
                wh.operator, "return.received", "ret", sku.code, wh.returns_bin, qty,
                stock_status=status, order_id=order.id, channel=order.channel,
                reason="customer return", lot=lot,
            )  # fmt: skip
        if not damaged:
            self._sched.at(
                self._sched.now_ns + _ns(rng.uniform(1800, 5400)),
                lambda: self._restock(order),
            )

    def _restock(self, order: _Order) -> None:
        wh, sku = order.warehouse, order.sku
        for lot, qty in order.shipped:
            self._event(
                wh.operator, "inventory.moved", "mov", sku.code, wh.returns_bin, qty,
                to_location=wh.pick_bin(sku), order_id=order.id, reason="return to stock", lot=lot,
            )  # fmt: skip

    def _count(self, wh: Warehouse) -> None:
        rng = self._rng
        self._sched.at(
            self._sched.now_ns + self._exp(self.knobs.cycle_counts_per_hour),
            lambda: self._count(wh),
        )
        sku = self._pick_sku(wh)
        bin_ = wh.pick_bin(sku)
        have = self.books.qty(wh.operator, (sku.code, bin_, "on_hand"))
        delta = rng.choice((0, 0, 0, -1, -2, 1, 2))
        delta = max(delta, -have)
        found = [(self._lots.some(wh.operator, sku, bin_), delta)] if delta > 0 else []
        for lot, q in found or [
            (lot, -q) for lot, q in self._lots.take(wh.operator, sku, bin_, -delta)
        ]:
            self._event(
                wh.operator, "inventory.adjusted", "adj", sku.code, bin_, q,
                reason="cycle count", lot=lot,
            )  # fmt: skip

    def _damage(self, wh: Warehouse) -> None:
        self._sched.at(
            self._sched.now_ns + self._exp(self.knobs.damages_per_hour), lambda: self._damage(wh)
        )
        sku = self._pick_sku(wh)
        bin_ = wh.pick_bin(sku)
        if self.books.qty(wh.operator, (sku.code, bin_, "on_hand")) < 1:
            return
        lot = self._lots.some(wh.operator, sku, bin_)
        self._event(
            wh.operator, "inventory.adjusted", "adj", sku.code, bin_, -1, reason="damage", lot=lot
        )
        self._event(
            wh.operator, "inventory.adjusted", "adj", sku.code, bin_, 1,
            stock_status="damaged", reason="damage", lot=lot,
        )  # fmt: skip

    def _pick_sku(self, wh: Warehouse) -> Sku:
        while True:
            sku = self._rng.choice(self.network.skus)
            if self._carries(wh, sku):
                return sku

    def _violation(self) -> None:
        """A channel 'corrects' on-hand stock it does not own."""
        frng = self._frng
        rate = self._profile.rates().ownership_violation_per_hour
        self._sched.at(self._sched.now_ns + self._exp(rate, frng), self._violation)
        wh = frng.choice(self._ops)
        sku = frng.choice(self.network.skus)
        qty = frng.choice((-3, -2, -1, 1, 2, 5))
        ev = self._event(
            COMMERCE, "inventory.adjusted", "adj", sku.code, wh.code, qty,
            channel=frng.choice(CHANNELS), reason="channel stock correction",
        )  # fmt: skip
        self.injected.append(Injected("ownership_violation", ev.time_ns, ev.key, {}))
