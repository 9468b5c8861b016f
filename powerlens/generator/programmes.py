"""Programme enrolments: who joins which energy programme, and when."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powerlens.generator.calendar import Period
from powerlens.generator.customers import EV, GC, LI, RES, Customers
from powerlens.generator.reference import Reference

PROGRAMMES = ("energy_audit", "demand_response", "pv_install", "ev_charger", "efficient_lighting",
              "tou_optin", "pf_correction")
AUDIT, DEMAND_RESPONSE, PV, EV_CHARGER, LIGHTING, TOU_OPTIN, PF_CORRECTION = range(7)


@dataclass
class Enrolments:
    customer: np.ndarray
    programme: np.ndarray
    day: np.ndarray


def generate_enrolments(c: Customers, period: Period, ref: Reference, rng: np.random.Generator) -> Enrolments:
    n = len(c)
    last_day = np.where(c.close_day >= 0, c.close_day, period.end_day)
    before_period = np.minimum(period.first_day - 1, last_day)

    def between(low, high):
        """A day from low to high; low itself when the range is empty (an account opened later)."""
        high = np.maximum(low, high)
        return low + (rng.random(n) * (high - low + 1)).astype(np.int64)

    during = between(np.maximum(c.open_day, period.first_day - 365), last_day)
    tou_tariff = c.tariff == ref.tariff_index("res_tou")
    ten_kv_commercial = (c.ctype == GC) & (c.voltage_kv >= 10)
    chance = rng.random((7, n))
    joins = np.stack([
        ((c.ctype == LI) & (chance[AUDIT] < 0.15)) | ((c.ctype == GC) & (chance[AUDIT] < 0.04)),
        ((c.ctype == LI) & (chance[DEMAND_RESPONSE] < 0.30)) | ((c.ctype == EV) & (chance[DEMAND_RESPONSE] < 0.20))
        | (ten_kv_commercial & (chance[DEMAND_RESPONSE] < 0.10)),
        c.has_pv & (chance[PV] < 0.7),
        (c.ctype == RES) & c.urban & (chance[EV_CHARGER] < 0.03),
        ((c.ctype == GC) & (chance[LIGHTING] < 0.06)) | ((c.ctype == RES) & (chance[LIGHTING] < 0.01)),
        tou_tariff,              # every res_tou customer opted in; the tariff stays fixed over the period
        c.pf_fix_day >= 0,       # the compensation that lifts the power factor in usage.py
    ])
    day = np.stack([
        during, during,
        between(c.open_day, before_period),  # PV already on the roof when the period starts
        during, during,
        between(c.open_day, before_period),
        c.pf_fix_day,
    ])
    programme, customer = np.nonzero(joins)
    order = np.lexsort((programme, customer))
    return Enrolments(customer=customer[order], programme=programme[order], day=day[programme, customer][order])
