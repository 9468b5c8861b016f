"""Reference data read from the dbt seeds, so the generator and the tariff engine share one source."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

DEFAULT_SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"

TOU_PERIODS = ("sharp", "peak", "flat", "valley")
CUSTOMER_TYPES = ("large_industrial", "general_commercial", "residential", "agricultural", "ev_charging")
PF_STANDARDS_HUNDREDTHS = (90, 85, 80)
# a block limit no year of consumption reaches: the tariff has no blocks
NO_BLOCKS_E2 = np.iinfo(np.int64).max // 4


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _scaled(value: str, scale: int) -> int:
    """Exact integer of a decimal string times 10**scale (prices in 1e-4 yuan, percents in 1e-2)."""
    scaled = Decimal(value) * (10 ** scale)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {scale} decimals")
    return int(scaled)


@dataclass(frozen=True)
class Reference:
    tariff_codes: tuple[str, ...]
    tariff_customer_type: tuple[str, ...]
    # [tariff, period] energy price in 1e-4 yuan/kWh, period order TOU_PERIODS
    price_e4: np.ndarray
    basic_per_kva_e4: np.ndarray
    basic_per_kw_e4: np.ndarray
    surcharge_e4: np.ndarray
    # residential annual blocks: [tariff, 2] upper limits of blocks 1 and 2 in centi-kWh a year
    # (NO_BLOCKS_E2 for a tariff without blocks) and [tariff, 2] surcharges of blocks 2 and 3 in 1e-4 yuan/kWh
    block_limit_e2: np.ndarray
    block_surcharge_e4: np.ndarray
    # {standard in hundredths: int array[101] of adjustment percent in hundredths of a percent}
    pf_adjustment_e2: dict[int, np.ndarray]
    # [calendar month - 1, hour of day] -> index into TOU_PERIODS (the seasonal TOU map)
    month_hour_period: np.ndarray
    # [calendar month - 1]: the period sharp kWh are priced at (sharp in the sharp months, else the
    # sharp hours' off-season period)
    sharp_priced_as: np.ndarray
    region_codes: tuple[str, ...]
    region_is_urban: np.ndarray
    region_name_zh: tuple[str, ...]
    # retail-market competition per region, 0-1 (seeds/region_retail_competition.csv): where the
    # market customers' switching to a retailer concentrates
    region_competition: np.ndarray
    code_sets: dict[str, tuple[str, ...]]

    def tariff_index(self, code: str) -> int:
        return self.tariff_codes.index(code)


def load_reference(seeds_dir: Path | str = DEFAULT_SEEDS_DIR) -> Reference:
    seeds_dir = Path(seeds_dir)
    tariffs = _read_csv(seeds_dir / "tariffs.csv")
    price_e4 = np.array([[_scaled(row[f"price_{p}"], 4) for p in TOU_PERIODS] for row in tariffs],
                        dtype=np.int64)
    pf_rows = _read_csv(seeds_dir / "power_factor_adjustment.csv")
    pf_table: dict[int, np.ndarray] = {}
    for standard in PF_STANDARDS_HUNDREDTHS:
        table = np.full(101, np.iinfo(np.int64).min, dtype=np.int64)
        for row in pf_rows:
            if _scaled(row["pf_standard"], 2) == standard:
                table[_scaled(row["power_factor"], 2)] = _scaled(row["adjustment_pct"], 2)
        if (table == np.iinfo(np.int64).min).any():
            raise ValueError(f"power_factor_adjustment seed lacks rows for standard 0.{standard}")
        pf_table[standard] = table
    tou_rows = {int(row["hour_of_day"]): row for row in _read_csv(seeds_dir / "tou_periods.csv")}
    if sorted(tou_rows) != list(range(24)):
        raise ValueError("tou_periods seed must cover hours 0-23 once each")
    month_hour_period = np.empty((12, 24), dtype=np.int64)
    for hour, row in tou_rows.items():
        in_season = {int(m) for m in row["season_months"].split(",")}
        for month in range(1, 13):
            period = row["tou_period"] if month in in_season else row["off_season_period"]
            month_hour_period[month - 1, hour] = TOU_PERIODS.index(period)
    sharp_rows = [row for row in tou_rows.values() if row["tou_period"] == "sharp"]
    off_season = {row["off_season_period"] for row in sharp_rows}
    if len(off_season) > 1 or len({row["season_months"] for row in sharp_rows}) > 1:
        raise ValueError("tou_periods seed: the sharp hours must share their months and off-season period")
    sharp_months = {int(m) for row in sharp_rows for m in row["season_months"].split(",")}
    off_season_index = TOU_PERIODS.index(off_season.pop()) if off_season else 0
    sharp_priced_as = np.array([0 if m in sharp_months else off_season_index for m in range(1, 13)], dtype=np.int64)
    regions = _read_csv(seeds_dir / "regions.csv")
    competition_path = seeds_dir / "region_retail_competition.csv"
    competition = ({r["region_code"]: float(r["competition_index"]) for r in _read_csv(competition_path)}
                   if competition_path.exists() else {})
    code_sets: dict[str, list[str]] = {}
    for row in _read_csv(seeds_dir / "code_labels.csv"):
        code_sets.setdefault(row["code_set"], []).append(row["code"])
    return Reference(
        tariff_codes=tuple(row["tariff_code"] for row in tariffs),
        tariff_customer_type=tuple(row["customer_type"] for row in tariffs),
        price_e4=price_e4,
        basic_per_kva_e4=np.array([_scaled(r["basic_charge_per_kva_month"], 4) for r in tariffs], dtype=np.int64),
        basic_per_kw_e4=np.array([_scaled(r["basic_charge_per_kw_month"], 4) for r in tariffs], dtype=np.int64),
        surcharge_e4=np.array([_scaled(r["surcharge_per_kwh"], 4) for r in tariffs], dtype=np.int64),
        # a zero limit means the tariff has no blocks (as a zero basic-charge rate means no basic charge)
        block_limit_e2=np.array([[_scaled(r[f"block{b}_limit_kwh_year"], 2) if Decimal(r["block1_limit_kwh_year"]) > 0
                                  else NO_BLOCKS_E2 for b in (1, 2)] for r in tariffs], dtype=np.int64),
        block_surcharge_e4=np.array([[_scaled(r[f"block{b}_surcharge_per_kwh"], 4) for b in (2, 3)]
                                     for r in tariffs], dtype=np.int64),
        pf_adjustment_e2=pf_table,
        month_hour_period=month_hour_period,
        sharp_priced_as=sharp_priced_as,
        region_codes=tuple(r["region_code"] for r in regions),
        region_is_urban=np.array([r["urban_rural_default"] == "urban" for r in regions]),
        region_name_zh=tuple(r["region_name_zh"] for r in regions),
        region_competition=np.array([competition.get(r["region_code"], 0.0) for r in regions]),
        code_sets={k: tuple(v) for k, v in code_sets.items()},
    )
