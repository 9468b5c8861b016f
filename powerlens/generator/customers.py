"""The customer register: who the customers are, when they open and close, and hidden traits
(consumption level, power factor, payment habit, churn signal) that drive the other tables."""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from powerlens.generator import output
from powerlens.generator.calendar import Period
from powerlens.generator.reference import CUSTOMER_TYPES, Reference

LI, GC, RES, AGR, EV = range(5)  # indices into CUSTOMER_TYPES

# share of accounts by count (residential well over 90%, large industrial under 1%: enough of them
# that no one factory carries more than a few percent of the kWh of a 10,000-account sample)
TYPE_SHARE = np.array([0.008, 0.065, 0.909, 0.015, 0.003])
# yearly probability that an account closes for reasons other than switching to a retailer
# (households move out, businesses close or merge); the retail-market types also switch, at
# SWITCH_CHURN x the region's competition index (seeds/region_retail_competition.csv)
ANNUAL_CHURN = np.array([0.02, 0.06, 0.075, 0.03, 0.04])
SWITCH_CHURN = np.array([0.06, 0.10, 0.0, 0.0, 0.10])
LI_SIZES = np.array([315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300])
LI_SIZE_WEIGHTS = np.array([14, 14, 13, 12, 10, 9, 7, 6, 5, 4, 2.5, 1.6, 1.1, 0.8])
LI_LARGEST_KVA_PER_ACCOUNT = 0.8
# a small factory on the general tariff uses more than a shop or office of the same supply
GC_FACTORY_LEVEL = 2.0
# probability that a closer shows the pre-closing pattern (many closers show none)
SIGNAL_SHARE_CLOSERS = np.array([0.7, 0.7, 0.7, 0.6, 0.65])
# share of staying customers with the same pattern in some half year (a scare that passes)
SIGNAL_SHARE_STAYERS = 0.05
# probability that an account opened during the period rather than before it, per period month and
# type: openings outnumber closures (residential base +3-4% a year, EV charging fastest)
NEW_ACCOUNT_SHARE_PER_MONTH = np.array([0.006, 0.011, 0.008, 0.003, 0.015])
ACCOUNT_AGE_MEAN_DAYS = 8 * 365
SECTORS = ("primary", "secondary", "tertiary", "residential")
BASES = ("capacity", "demand", "none")
CLOSE_REASONS = ("switched_retailer", "relocated", "business_closed", "merged", "other")
INDUSTRY_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRST")
SECONDARY_SECTIONS = set("BCDE")
PAYER_ON_TIME, PAYER_LATE, PAYER_ARREARS = range(3)
# payment habits (on time, sometimes late, arrears-prone) of households and of businesses: most pay
# on time; a utility with reminders and suspension leaves few lasting payers of arrears
PAYER_MIX_HOUSEHOLD = (0.87, 0.11, 0.02)
PAYER_MIX_BUSINESS = (0.82, 0.15, 0.03)
# seasonal load profiles (rows of usage.SEASON): the type's own, then irrigation pumping, electric
# heating and cooling-heavy loads (cold stores, air-conditioned premises)
SEASON_IRRIGATION, SEASON_HEATING, SEASON_COOLING = 5, 6, 7
IRRIGATION_SHARE_OF_FARMS = 0.7
HEATING_SHARE_OF_COMMERCIAL, COOLING_SHARE_OF_COMMERCIAL = 0.06, 0.08


@dataclass
class Customers:
    number: np.ndarray          # 1..N, the id's digits
    ctype: np.ndarray
    sector: np.ndarray
    industry: np.ndarray        # index into INDUSTRY_SECTIONS, -1 for residential
    region: np.ndarray
    urban: np.ndarray
    voltage_kv: np.ndarray
    capacity_kva: np.ndarray
    tariff: np.ndarray
    basis: np.ndarray
    prepaid: np.ndarray
    has_pv: np.ndarray
    open_day: np.ndarray
    close_day: np.ndarray       # -1 while active
    close_reason: np.ndarray    # -1 while active
    pf_standard: np.ndarray     # 90/85/80, 0 = no adjustment (hundredths)
    # hidden traits
    base_kwh_day: np.ndarray
    tou_share: np.ndarray       # (n, 4) sharp, peak, flat, valley
    load_factor: np.ndarray
    pf_mean: np.ndarray
    payer: np.ndarray
    signal_start: np.ndarray    # first day of the pre-closing (or scare) pattern, -1 none
    signal_end: np.ndarray      # last day of the pattern
    signal_depth: np.ndarray    # kWh falls to (1 - depth) of normal by the end of the pattern
    vacant: np.ndarray          # residential homes standing empty (no consumption)
    pf_fix_day: np.ndarray      # day a power-factor correction is installed (pf_correction), -1 none
    contract_demand: np.ndarray  # contract maximum demand in centi-kW (demand basis), -1 none or not exported
    season: np.ndarray          # row of usage.SEASON: the type's profile or a seasonal load

    def __len__(self) -> int:
        return len(self.number)

    def take(self, index) -> "Customers":
        return Customers(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def closes(self) -> np.ndarray:
        return self.close_day >= 0


def _type_counts(n: int) -> np.ndarray:
    """Deterministic counts per type (largest remainder), at least one of each type from 50 accounts."""
    exact = TYPE_SHARE * n
    counts = np.floor(exact).astype(np.int64)
    if n >= 50:
        counts = np.maximum(counts, 1)
    remainder = n - counts.sum()
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    for i in range(abs(int(remainder))):
        counts[order[i % 5] if remainder > 0 else RES] += 1 if remainder > 0 else -1
    return counts


def _choice(rng, options, weights, size) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return np.asarray(options)[rng.choice(len(options), size=size, p=weights / weights.sum())]


def _sections(letters) -> list[int]:
    return [INDUSTRY_SECTIONS.index(letter) for letter in letters]


def build_customers(n: int, period: Period, ref: Reference, rng: np.random.Generator) -> Customers:
    ctype = np.repeat(np.arange(5), _type_counts(n))
    rng.shuffle(ctype)
    is_res, is_gc, is_li, is_agr, is_ev = (ctype == t for t in (RES, GC, LI, AGR, EV))
    business = ~is_res

    # where: urban share differs by type; within urban or rural a region is picked uniformly
    urban_share = np.array([0.8, 0.75, 0.65, 0.1, 0.85])[ctype]
    want_urban = rng.random(n) < urban_share
    urban_regions = np.flatnonzero(ref.region_is_urban)
    rural_regions = np.flatnonzero(~ref.region_is_urban)
    region = np.where(want_urban, rng.choice(urban_regions, n), rng.choice(rural_regions, n))
    urban = np.where(rng.random(n) < 0.08, ~ref.region_is_urban[region], ref.region_is_urban[region])

    industry = np.full(n, -1, dtype=np.int64)
    gc_sections = list("CEFGHIJKLMNOPQRS")
    # small manufacturers (C) under 315 kVA are general commercial & industrial customers too
    gc_weights = [40, 5, 25, 5, 12, 4, 2, 4, 5, 2, 2, 4, 3, 3, 2, 3]
    industry[is_gc] = _choice(rng, _sections(gc_sections), gc_weights, is_gc.sum())
    industry[is_li] = _choice(rng, _sections("CBD"), [80, 10, 10], is_li.sum())
    industry[is_agr] = INDUSTRY_SECTIONS.index("A")
    industry[is_ev] = INDUSTRY_SECTIONS.index("G")
    secondary = np.isin(industry, _sections(SECONDARY_SECTIONS))
    sector = np.select([is_res, is_agr, secondary], [3, 0, 1], default=2)

    # supply: voltage and contract capacity (kVA) by type
    capacity = np.zeros(n, dtype=np.int64)
    voltage = np.zeros(n)
    capacity[is_res] = _choice(rng, [4, 6, 8, 10, 12, 16], [10, 30, 25, 20, 10, 5], is_res.sum())
    voltage[is_res] = np.where(capacity[is_res] >= 12, 0.4, 0.22)
    gc_hv = is_gc & (rng.random(n) < 0.2)
    gc_lv = is_gc & ~gc_hv
    capacity[gc_lv] = np.clip(np.round(rng.lognormal(np.log(40), 0.7, gc_lv.sum()) / 5) * 5, 10, 250)
    voltage[gc_lv] = 0.4
    capacity[gc_hv] = _choice(rng, [125, 160, 200, 250, 315, 400, 500, 630], [5, 15, 20, 20, 15, 12, 8, 5], gc_hv.sum())
    voltage[gc_hv] = 10
    # transformer sizes of a prefecture city's large industry, mostly 315-2,000 kVA. A sample stands
    # for part of the city: it holds no plant bigger than LI_LARGEST_KVA_PER_ACCOUNT x its accounts
    # (plants of 10,000 kVA and more would each carry over 5% of a 10,000-account sample's kWh, and
    # one 5,000 kVA plant a quarter of a 1,000-account sample's)
    sizes = LI_SIZES[LI_SIZES <= max(LI_SIZES[0], LI_LARGEST_KVA_PER_ACCOUNT * n)]
    weights = LI_SIZE_WEIGHTS[:len(sizes)]
    capacity[is_li] = _choice(rng, sizes, weights, is_li.sum())
    # the smaller plants of a small sample stand for the missing big ones: they run busier, so that
    # large industry keeps its share of the kWh (mean load at most 25% of the capacity, so that
    # the 15-minute peaks stay within it)
    li_utilisation_scale = ((LI_SIZES * LI_SIZE_WEIGHTS).sum() / LI_SIZE_WEIGHTS.sum()
                            / ((sizes * weights).sum() / weights.sum()))
    voltage[is_li] = np.where(capacity[is_li] >= 3150, 35, 10)
    capacity[is_agr] = _choice(rng, [10, 20, 30, 50, 80, 100, 125, 160, 200], [15, 20, 15, 15, 10, 10, 6, 5, 4], is_agr.sum())
    voltage[is_agr] = np.where(capacity[is_agr] >= 125, 10, 0.4)
    capacity[is_ev] = _choice(rng, [315, 400, 500, 630, 800, 1000, 1250], [15, 20, 20, 20, 10, 10, 5], is_ev.sum())
    voltage[is_ev] = 10

    # tariff and basic-charge basis; residential time-of-use is an opt-in
    tou_optin = is_res & (rng.random(n) < 0.15)
    tariff_code = np.select(
        [is_li & (voltage >= 35), is_li, gc_lv, gc_hv, is_ev, tou_optin, is_res, is_agr],
        ["lgi_35kv", "lgi_10kv", "gci_lt1kv", "gci_10kv", "ev_10kv", "res_tou", "res_flat", "agr"], default="")
    unique_codes, code_index = np.unique(tariff_code, return_inverse=True)
    tariff = np.array([ref.tariff_index(str(code)) for code in unique_codes], dtype=np.int64)[code_index]
    basis = np.full(n, 2, dtype=np.int64)
    basis[is_li] = np.where(rng.random(is_li.sum()) < 0.55, 0, 1)

    prepaid_share = np.select([is_res & urban, is_res, is_gc], [0.45, 0.3, 0.08], default=0.0)
    prepaid = rng.random(n) < prepaid_share
    pv_share = np.select([is_res & urban, is_res, is_gc, is_li, is_agr, is_ev], [0.02, 0.06, 0.04, 0.12, 0.03, 0.08])
    has_pv = rng.random(n) < pv_share

    # power-factor standard (docs/billing_rules.md section 4)
    hv_big = (is_li | is_gc | is_ev) & (voltage >= 10) & (capacity >= 160)
    pf_standard = np.select([is_res, hv_big, is_agr & (capacity >= 100), capacity >= 100], [0, 90, 80, 85], default=0)

    # opening: most accounts exist before the period, some open in each period month
    month_starts = period.month_starts
    new_share = np.minimum(0.5, NEW_ACCOUNT_SHARE_PER_MONTH[ctype] * period.months)
    opens_inside = rng.random(n) < new_share
    # account age at the period start: exponential (mean 8 years), truncated so that no account
    # predates the CIS migration on 2000-01-01 (staging rejects earlier dates by default)
    oldest_age = max(period.first_day - 1 - int(np.datetime64("2000-01-01").astype(np.int64)), 1)
    age = -ACCOUNT_AGE_MEAN_DAYS * np.log1p(-rng.random(n) * -np.expm1(-oldest_age / ACCOUNT_AGE_MEAN_DAYS))
    open_day = np.where(
        opens_inside,
        rng.integers(period.first_day, period.end_day - 27, n),
        period.first_day - 1 - np.minimum(age.astype(np.int64), oldest_age),
    )

    # closing: a monthly hazard from the opening (or period start) onward; market customers in
    # competitive regions also switch to retailers
    switch_churn = SWITCH_CHURN[ctype] * ref.region_competition[region]
    annual_churn = ANNUAL_CHURN[ctype] + switch_churn
    hazard = 1 - (1 - annual_churn) ** (1 / 12)
    first_month = np.maximum(period.month_of_day(open_day), 0)
    months_to_close = np.ceil(np.log(1 - rng.random(n)) / np.log(1 - hazard)).astype(np.int64) - 1
    close_month = first_month + months_to_close
    closes = close_month < period.months
    month_len = month_starts[1:] - month_starts[:-1]
    safe_month = np.minimum(close_month, period.months - 1)
    close_day = month_starts[safe_month] + (rng.random(n) * month_len[safe_month]).astype(np.int64)
    close_day = np.maximum(close_day, open_day + 30)
    closes &= close_day <= period.end_day
    close_day = np.where(closes, close_day, -1)

    switched = rng.random(n) < switch_churn / annual_churn
    business_reasons = rng.choice(5, n, p=[0.0, 0.10, 0.55, 0.18, 0.17])
    residential_reasons = rng.choice(5, n, p=[0.0, 0.75, 0.0, 0.10, 0.15])
    close_reason = np.where(closes, np.where(switched, 0, np.where(business, business_reasons, residential_reasons)), -1)

    # hidden consumption level (kWh/day) and its daily shape
    base = np.select(
        [is_res, is_gc, is_agr, is_li, is_ev],
        [rng.lognormal(np.log(7), 0.55, n), rng.lognormal(np.log(125), 0.9, n) * (capacity / 60) ** 0.3 * np.where(secondary, GC_FACTORY_LEVEL, 1.0),
         rng.lognormal(np.log(35), 0.7, n) * (capacity / 50) ** 0.3,
         capacity * np.minimum(rng.uniform(0.08, 0.18, n) * li_utilisation_scale, 0.25) * 24,
         capacity * rng.uniform(0.03, 0.06, n) * 24])
    vacant = is_res & (rng.random(n) < 0.01)
    shares = np.array([
        [0.07, 0.24, 0.34, 0.35],  # large industry: round the clock, a little shifted to the valley
        [0.09, 0.33, 0.40, 0.18],  # commercial: daytime
        [0.14, 0.30, 0.28, 0.28],  # residential: evening peak
        [0.08, 0.25, 0.33, 0.34],  # agricultural pumping
        [0.05, 0.15, 0.25, 0.55],  # EV charging: valley heavy
    ])[ctype]
    shares = np.where(tou_optin[:, None], shares * np.array([0.8, 0.8, 0.9, 1.4]), shares)
    tou_share = rng.gamma(shares * 150)
    tou_share /= tou_share.sum(axis=1, keepdims=True)
    load_factor = np.clip(np.array([0.68, 0.45, 0.3, 0.5, 0.35])[ctype] + rng.normal(0, 0.06, n), 0.15, 0.9)

    pf_mean = np.where(pf_standard > 0, pf_standard / 100 + 0.015 + rng.normal(0, 0.045, n),
                       0.93 + rng.normal(0, 0.03, n))
    pf_mean = np.clip(pf_mean, 0.62, 0.995)

    # a third of the customers below their standard install compensation during the period
    below_standard = (pf_standard > 0) & (pf_mean < pf_standard / 100)
    fixes = below_standard & (rng.random(n) < 0.35)
    pf_fix_day = np.where(fixes, rng.integers(period.first_day, period.end_day, n), -1)
    pf_fix_day = np.where(fixes & (pf_fix_day > open_day) & ((close_day < 0) | (pf_fix_day < close_day)), pf_fix_day, -1)

    payer = np.where(business, rng.choice(3, n, p=PAYER_MIX_BUSINESS), rng.choice(3, n, p=PAYER_MIX_HOUSEHOLD))

    draw = rng.random(n)
    season = np.select([is_agr & (draw < IRRIGATION_SHARE_OF_FARMS), is_gc & (draw < HEATING_SHARE_OF_COMMERCIAL),
                        is_gc & (draw > 1 - COOLING_SHARE_OF_COMMERCIAL)],
                       [SEASON_IRRIGATION, SEASON_HEATING, SEASON_COOLING], default=ctype)

    # the pre-closing pattern: closers (some) over the 4-8 months before closing; some stayers
    # over a random half year. The effects are applied by usage, payments and service modules.
    has_signal = np.where(closes, rng.random(n) < SIGNAL_SHARE_CLOSERS[ctype], rng.random(n) < SIGNAL_SHARE_STAYERS)
    length = rng.integers(120, 240, n)
    scare_start = rng.integers(period.first_day - 60, period.end_day - 60, n)
    signal_end = np.where(closes, close_day, scare_start + length)
    signal_start = np.where(has_signal, signal_end - length, -1)
    signal_depth = rng.uniform(0.35, 0.65, n)

    # contract maximum demand of the demand-basis accounts: about the usual daily maximum (mean
    # load over the load factor), whole kW, never below the rule's floor of 40% of the capacity;
    # 15% of the contracts predate the field and are exported empty (the floor applies)
    usual_demand = base / 24 / load_factor
    contract_demand = np.maximum(np.rint(usual_demand * rng.uniform(0.9, 1.3, n)).astype(np.int64) * 100,
                                 capacity * 40)
    contract_demand = np.where((basis == 1) & (rng.random(n) < 0.85), contract_demand, -1)

    return Customers(
        number=np.arange(1, n + 1, dtype=np.int64), ctype=ctype, sector=sector, industry=industry,
        region=region, urban=urban, voltage_kv=voltage, capacity_kva=capacity, tariff=tariff, basis=basis,
        prepaid=prepaid, has_pv=has_pv, open_day=open_day, close_day=close_day, close_reason=close_reason,
        pf_standard=pf_standard, base_kwh_day=base, tou_share=tou_share, load_factor=load_factor,
        pf_mean=pf_mean, payer=payer, signal_start=signal_start, signal_end=signal_end,
        signal_depth=signal_depth, vacant=vacant, pf_fix_day=pf_fix_day, contract_demand=contract_demand,
        season=season,
    )


SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志红梅海燕波宁斌浩凯鹏飞晨欣怡婷雪琳俊峰")
FIRM_WORDS = ["恒达", "鑫源", "华盛", "宏泰", "金诚", "永兴", "瑞丰", "天成", "博远", "新华", "安泰", "鸿运", "中联", "长江", "青禾", "绿源"]
FIRM_KIND = {LI: ["钢铁", "化工", "水泥", "铝业", "纺织", "机械制造", "电子科技", "造纸"],
             GC: ["商贸", "餐饮", "酒店", "超市", "物业管理", "科技", "建材", "印刷"],
             AGR: ["农业合作社", "养殖场", "灌溉站", "种植专业合作社"],
             EV: ["充电站", "新能源汽车服务", "换电站"]}
ROADS = ["人民路", "解放路", "中山路", "建设路", "滨江大道", "新华街", "学府路", "工业大道", "文化路", "青年路", "光明街", "兴业路"]


OWN_GENERATION = ("none", "solar", "wind", "solar_wind")
# share of accounts with a small wind turbine, where there is room for one
# (farms, factories, rural homes); the same draw makes a few PV accounts solar_wind
WIND_SHARE = {AGR: 0.06, LI: 0.05}
WIND_SHARE_RURAL = 0.01


def own_generation(c: Customers, rng: np.random.Generator) -> np.ndarray:
    """Index into OWN_GENERATION: solar exactly where has_pv (alone or with wind), wind for a few."""
    wind_share = np.select([c.ctype == AGR, c.ctype == LI, ~c.urban],
                           [WIND_SHARE[AGR], WIND_SHARE[LI], WIND_SHARE_RURAL], default=0.0)
    wind = rng.random(len(c)) < wind_share
    return c.has_pv.astype(np.int64) + 2 * wind.astype(np.int64)


def customer_columns(c: Customers, ref: Reference, rng: np.random.Generator) -> dict[str, pa.Array]:
    n = len(c)
    surname = output.codes(SURNAMES, rng.integers(0, len(SURNAMES), n))
    given1 = output.codes(GIVEN, rng.integers(0, len(GIVEN), n))
    given2 = output.codes([""] + GIVEN, rng.integers(0, len(GIVEN) + 1, n))
    person = output.join_strings(surname, given1, given2)
    kinds = [w for t in (LI, GC, AGR, EV) for w in FIRM_KIND[t]]
    offsets = np.cumsum([0] + [len(FIRM_KIND[t]) for t in (LI, GC, AGR, EV)])
    type_slot = np.select([c.ctype == t for t in (LI, GC, AGR, EV)], [0, 1, 2, 3], default=1)
    kind = offsets[type_slot] + (rng.random(n) * np.diff(offsets)[type_slot]).astype(np.int64)
    firm = output.join_strings(output.codes(["江川"], np.zeros(n, dtype=np.int64)),
                               output.codes(FIRM_WORDS, rng.integers(0, len(FIRM_WORDS), n)),
                               output.codes(kinds, kind),
                               output.codes(["有限公司"], np.zeros(n, dtype=np.int64)))
    is_res = c.ctype == RES
    name = pa.compute.if_else(pa.array(is_res), person, firm)
    mobile = output.join_strings(
        output.codes(["13", "15", "17", "18", "19"], rng.integers(0, 5, n)),
        pa.compute.utf8_lpad(pa.compute.cast(pa.array(rng.integers(0, 10**9, n)), pa.string()), 9, padding="0"))
    landline = output.join_strings(
        output.codes(["0877-"], np.zeros(n, dtype=np.int64)),
        pa.compute.cast(pa.array(rng.integers(2_000_000, 9_999_999, n)), pa.string()))
    phone = pa.compute.if_else(pa.array(is_res | (rng.random(n) < 0.3)), mobile, landline)
    address = output.join_strings(
        output.codes(["江川市"], np.zeros(n, dtype=np.int64)), output.codes(ref.region_name_zh, c.region),
        output.codes(ROADS, rng.integers(0, len(ROADS), n)),
        pa.compute.cast(pa.array(rng.integers(1, 400, n)), pa.string()), output.codes(["号"], np.zeros(n, dtype=np.int64)),
        pa.compute.if_else(pa.array(is_res), output.join_strings(
            pa.compute.cast(pa.array(rng.integers(1, 30, n)), pa.string()), output.codes(["栋"], np.zeros(n, dtype=np.int64)),
            pa.compute.cast(pa.array(rng.integers(101, 2600, n)), pa.string()), output.codes(["室"], np.zeros(n, dtype=np.int64))),
            pa.scalar("")))
    closes = c.closes
    generation = own_generation(c, rng)  # drawn last: the columns above keep their values
    return {
        "customer_id": customer_ids(c.number),
        "customer_name": name,
        "phone": phone,
        "address": address,
        "customer_type": output.codes(CUSTOMER_TYPES, c.ctype),
        "sector": output.codes(SECTORS, c.sector),
        "industry_code": output.codes(INDUSTRY_SECTIONS, np.maximum(c.industry, 0), c.industry >= 0),
        "region_code": output.codes(ref.region_codes, c.region),
        "urban_rural": output.codes(("rural", "urban"), c.urban.astype(np.int64)),
        "voltage_kv": pa.array(c.voltage_kv),
        "contract_capacity_kva": pa.array(c.capacity_kva),
        "tariff_code": output.codes(ref.tariff_codes, c.tariff),
        "basic_charge_basis": output.codes(BASES, c.basis),
        "contract_demand_kw": output.scaled_decimal(np.maximum(c.contract_demand, 0), output.ENERGY, c.contract_demand >= 0),
        "payment_mode": output.codes(("postpaid", "prepaid"), c.prepaid.astype(np.int64)),
        "has_pv": pa.array(c.has_pv),
        "own_generation": output.codes(OWN_GENERATION, generation),
        "open_date": output.dates(c.open_day),
        "close_date": output.dates(np.maximum(c.close_day, 0), closes),
        "close_reason": output.codes(CLOSE_REASONS, np.maximum(c.close_reason, 0), closes),
    }


def customer_ids(number: np.ndarray) -> pa.Array:
    return output.prefixed_ids("C", (number, 8))
