"""Topology of the simulated distribution network: systems, locations, items, routes.

The routing table and the ownership map equal SPEC 1.4's defaults. They are
copied here on purpose: the simulator talks to synclens only over the wire and
never imports it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

__all__ = [
    "DEADLINE_S",
    "EVENT_TYPES",
    "LATENCY_OBJECTIVE_S",
    "OWNERS",
    "ROUTES",
    "Network",
    "Sku",
    "SystemSpec",
    "Warehouse",
    "build_network",
    "route_targets",
    "system_of",
    "warehouse_of",
]

DEADLINE_S = 900.0
LATENCY_OBJECTIVE_S = 60.0

ROUTES: dict[str, tuple[str, ...]] = {
    "inventory.received": ("erp", "commerce"),
    "inventory.adjusted": ("erp", "commerce"),
    "shipment.confirmed": ("erp", "commerce"),
    "return.received": ("erp", "commerce"),
    "inventory.moved": ("erp",),
    "inventory.reserved": ("wms",),
    "inventory.released": ("wms",),
    "asn.received": ("erp", "wms"),
}
EVENT_TYPES = tuple(ROUTES)

OWNERS: dict[str, tuple[str, ...]] = {
    "on_hand": ("wms", "tpl"),
    "damaged": ("wms", "tpl"),
    "quarantined": ("wms", "tpl"),
    "allocated": ("erp", "commerce"),
    "in_transit": ("erp", "edi", "tms"),
}

_WAREHOUSE_NAMES = ("EAST", "WEST", "CENTRAL", "NORTH", "SOUTH", "MIDWEST", "COAST", "MOUNTAIN")
ITEM_CLASSES = ("A", "B", "C")

ERP = "erp/s4"
COMMERCE = "commerce/shopify"
EDI = "edi/gateway"
RETURNS = "returns/loop"
TPL = "tpl/acme"
TPL_WAREHOUSE = "3PL-ACME"
CHANNELS = ("web", "marketplace")


def system_of(source: str) -> str:
    """The system of a CloudEvents source: its first path segment."""
    return source.split("/", 1)[0]


def warehouse_of(location: str) -> str:
    """SPEC 1.4's default: the part of the location before the first ``/``."""
    return location.split("/", 1)[0]


def route_targets(event_type: str, source: str) -> tuple[str, ...]:
    """Target systems of an event: its route minus its own source system."""
    own = system_of(source)
    return tuple(t for t in ROUTES[event_type] if t != own)


@dataclass(frozen=True)
class Sku:
    code: str
    item_class: str
    index: int
    lot_controlled: bool = False  # its stock is kept per lot (food, pharma, electronics)


@dataclass(frozen=True)
class Warehouse:
    code: str
    operator: str  # CloudEvents source of the system running it: wms/dc-east or tpl/acme

    def pick_bin(self, sku: Sku) -> str:
        return f"{self.code}/A-{sku.index // 40 + 1:02d}-{sku.index % 40 + 1:02d}"

    def reserve_bin(self, sku: Sku) -> str:
        return f"{self.code}/R-{sku.index // 40 + 1:02d}-{sku.index % 40 + 1:02d}"

    @property
    def receiving_bin(self) -> str:
        return f"{self.code}/RCV-01"

    @property
    def returns_bin(self) -> str:
        return f"{self.code}/RET-01"


@dataclass(frozen=True)
class SystemSpec:
    """One system instance and what it keeps.

    ``compared``: stock statuses it keeps without owning them, so reconciliation
    compares it against the owner. ``warehouse_level``: it only knows warehouses,
    not bins (commerce). ``scope``: the warehouses it sees (None = all).
    ``lots``: it keeps lot-controlled stock per lot (else summed over lots).
    """

    source: str
    compared: frozenset[str] = frozenset()
    warehouse_level: bool = False
    scope: frozenset[str] | None = None
    lots: bool = False

    @property
    def system(self) -> str:
        return system_of(self.source)

    @property
    def instance(self) -> str:
        return self.source.split("/", 1)[1]

    def sees(self, location: str) -> bool:
        return self.scope is None or warehouse_of(location) in self.scope

    def key_location(self, location: str) -> str:
        return warehouse_of(location) if self.warehouse_level else location


@dataclass(frozen=True)
class Network:
    warehouses: tuple[Warehouse, ...]
    skus: tuple[Sku, ...]
    systems: dict[str, SystemSpec] = field(hash=False)
    _operators: dict[str, str] = field(init=False, hash=False, repr=False)
    _owners: dict[tuple[str, str], str] = field(init=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_operators", {w.code: w.operator for w in self.warehouses})
        object.__setattr__(self, "_owners", {})

    def warehouse(self, code: str) -> Warehouse:
        for wh in self.warehouses:
            if wh.code == code:
                return wh
        raise KeyError(code)

    def operator_of(self, location: str) -> str:
        return self._operators[location.split("/", 1)[0]]

    def owner_instance(self, stock_status: str, location: str) -> str:
        """The system instance whose books are the truth for this key."""
        try:
            return self._owners[(stock_status, location)]
        except KeyError:
            pass
        if stock_status == "allocated":
            owner = COMMERCE
        elif stock_status == "in_transit":
            owner = EDI
        else:
            owner = self.operator_of(location)
        self._owners[(stock_status, location)] = owner
        return owner

    def target_instance(self, target: str, location: str) -> str:
        """Which instance a route target means for an event at ``location``.

        ``wms`` is the WMS of the location's warehouse; for the 3PL's warehouse
        it is the 3PL's WMS-compatible API (tpl/acme).
        """
        if target == "erp":
            return ERP
        if target == "commerce":
            return COMMERCE
        if target == "edi":
            return EDI
        if target == "tpl":
            return TPL
        if target == "wms":
            return self.operator_of(location)
        raise KeyError(target)


def build_network(
    *, skus: int = 500, warehouses: int = 3, seed: int = 0, lot_share: float = 0.25
) -> Network:
    """The default network: an ERP, a WMS per warehouse, a 3PL, commerce, EDI, returns.

    ``lot_share`` of the items are lot-controlled; the ERP, the WMSs and the 3PL
    keep them per lot, the commerce platform and EDI do not."""
    if not 1 <= warehouses <= len(_WAREHOUSE_NAMES):
        raise ValueError(f"warehouses must be 1..{len(_WAREHOUSE_NAMES)}")
    rng = random.Random(f"network:{seed}")
    items = tuple(
        Sku(code=f"SKU-{i + 1:05d}", item_class=rng.choices(ITEM_CLASSES, (2, 3, 5))[0], index=i)
        for i in range(skus)
    )
    lot_rng = random.Random(f"lots:{seed}")  # its own stream: the items' classes stay as they were
    items = tuple(replace(s, lot_controlled=lot_rng.random() < lot_share) for s in items)
    whs = [
        Warehouse(code=f"DC-{name}", operator=f"wms/dc-{name.lower()}")
        for name in _WAREHOUSE_NAMES[:warehouses]
    ]
    whs.append(Warehouse(code=TPL_WAREHOUSE, operator=TPL))
    systems: dict[str, SystemSpec] = {
        ERP: SystemSpec(ERP, compared=frozenset({"on_hand", "damaged", "in_transit"}), lots=True),
        COMMERCE: SystemSpec(
            COMMERCE, compared=frozenset({"on_hand", "damaged"}), warehouse_level=True
        ),
        EDI: SystemSpec(EDI),
        RETURNS: SystemSpec(RETURNS),
    }
    for wh in whs:
        systems[wh.operator] = SystemSpec(
            wh.operator,
            compared=frozenset({"allocated", "in_transit"}),
            scope=frozenset({wh.code}),
            lots=True,
        )
    return Network(warehouses=tuple(whs), skus=items, systems=systems)
