"""95598 work orders and satisfaction surveys."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powerlens.generator.calendar import SECONDS_PER_DAY, Period
from powerlens.generator.customers import AGR, EV, GC, LI, RES, Customers
from powerlens.generator.payments import in_signal

TICKET_CHANNELS = ("hotline_95598", "counter", "onsite", "website", "app", "wechat")
TICKET_TYPES = ("consultation", "fault_repair", "complaint", "opinion", "praise", "business")
CATEGORIES = ("outage", "billing", "meter", "service_attitude", "voltage_quality", "connection", "other")
CONSULTATION, FAULT, COMPLAINT, OPINION, PRAISE, BUSINESS = range(6)
OUTAGE, BILLING, METER, ATTITUDE, VOLTAGE, CONNECTION, OTHER = range(7)

# work orders per customer-month; large customers call far more often per account
MONTHLY_TICKET_RATE = np.zeros(5)
MONTHLY_TICKET_RATE[[LI, GC, RES, AGR, EV]] = [0.25, 0.06, 0.02, 0.04, 0.15]
TYPE_MIX = np.array([0.40, 0.30, 0.07, 0.05, 0.03, 0.15])
STRESSED_TYPE_MIX = np.array([0.30, 0.22, 0.30, 0.08, 0.00, 0.10])  # in the months before closing
CATEGORY_MIX = np.array([
    [0.05, 0.50, 0.10, 0.00, 0.05, 0.15, 0.15],
    [0.70, 0.00, 0.12, 0.00, 0.18, 0.00, 0.00],
    [0.20, 0.35, 0.10, 0.20, 0.10, 0.05, 0.00],
    [0.05, 0.25, 0.00, 0.25, 0.05, 0.10, 0.30],
    [0.00, 0.00, 0.00, 0.80, 0.00, 0.00, 0.20],
    [0.00, 0.00, 0.20, 0.00, 0.00, 0.70, 0.10],
])
# channel mix at the start and the end of the period: the hotline dominates, online rises
CHANNEL_MIX = (np.array([0.62, 0.10, 0.06, 0.04, 0.10, 0.08]), np.array([0.48, 0.08, 0.06, 0.05, 0.20, 0.13]))
# minutes to first response (fault repair: crew on site) and from there to resolution: median, sigma
FIRST_RESPONSE = np.array([[2, 0.9], [25, 0.45], [180, 1.0], [600, 0.8], [600, 0.8], [240, 0.8]])
RESOLUTION = np.array([[8, 0.8], [75, 0.6], [4320, 0.7], [1440, 0.6], [1440, 0.6], [4320, 0.8]])
# service commitments (REFERENCE.md): crew on site within 45 min in cities, 90 min in rural areas
ARRIVAL_COMMITMENT_MIN = {True: 45, False: 90}
CAPACITY_REDUCTION = "申请减容"

DESCRIPTIONS = {
    (CONSULTATION, BILLING): ["咨询本月电费为何比上月高", "咨询峰谷电价执行时段", "咨询阶梯电价标准", "查询电费余额及缴费方式"],
    (CONSULTATION, CONNECTION): ["咨询新装用电办理流程", "咨询增容所需材料", "咨询充电桩报装条件"],
    (CONSULTATION, METER): ["咨询智能电表读数含义", "咨询电表校验流程"],
    (CONSULTATION, OUTAGE): ["咨询计划停电时间", "查询所在小区停电原因"],
    (CONSULTATION, VOLTAGE): ["咨询电压偏低是否正常"],
    (CONSULTATION, OTHER): ["咨询光伏并网政策", "咨询电子发票开具", "咨询营业厅办公时间"],
    (FAULT, OUTAGE): ["家中突然停电，邻居家也没电", "厂区整体停电，请尽快抢修", "小区变压器故障停电", "线路跳闸停电"],
    (FAULT, METER): ["电表黑屏无显示", "电表烧坏冒烟", "预付费电表无法充值到表"],
    (FAULT, VOLTAGE): ["电压过低空调无法启动", "电压波动大灯光闪烁", "三相电压不平衡设备跳闸"],
    (COMPLAINT, OUTAGE): ["频繁停电影响生产，要求说明原因", "停电未提前通知", "抢修人员迟迟未到"],
    (COMPLAINT, BILLING): ["对本月电费有异议，认为计费错误", "违约金收取不合理", "电费突然翻倍要求核查"],
    (COMPLAINT, METER): ["怀疑电表走字过快", "电表更换后电量异常"],
    (COMPLAINT, ATTITUDE): ["营业厅工作人员态度差", "热线客服推诿不解决问题", "抢修人员服务不规范"],
    (COMPLAINT, VOLTAGE): ["长期电压偏低投诉", "电压不稳损坏家电"],
    (COMPLAINT, CONNECTION): ["报装办理时间过长", "增容申请久拖未办"],
    (OPINION, BILLING): ["建议增加缴费渠道", "建议电费短信提醒提前发送"],
    (OPINION, ATTITUDE): ["建议加强客服培训"],
    (OPINION, OUTAGE): ["建议停电通知提前三天"],
    (OPINION, VOLTAGE): ["建议改造老旧线路"],
    (OPINION, CONNECTION): ["建议简化报装手续"],
    (OPINION, OTHER): ["建议网上国网App增加功能", "建议营业厅延长办公时间"],
    (PRAISE, ATTITUDE): ["抢修人员及时高效，特此表扬", "客服耐心解答，表示感谢", "营业厅服务周到"],
    (PRAISE, OTHER): ["感谢供电公司上门服务"],
    (BUSINESS, CONNECTION): ["申请增容", "申请更名过户", "申请新装", "申请暂停用电", "申请变更用电类别"],
    (BUSINESS, METER): ["申请电表校验", "申请更换电表"],
    (BUSINESS, OTHER): ["申请开具增值税发票", "申请变更联系电话"],
}
FALLBACK_DESCRIPTION = "其他问题"


@dataclass
class Tickets:
    customer: np.ndarray
    channel: np.ndarray
    ticket_type: np.ndarray
    category: np.ndarray
    created: np.ndarray        # seconds
    first_response: np.ndarray
    resolved: np.ndarray       # -1 not resolved by the export
    satisfaction: np.ndarray   # 0 = not rated
    description: np.ndarray    # index into description_texts()
    missed_commitment: np.ndarray


def description_texts() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All description texts, and per (type, category) the first index and count of its texts."""
    texts = [CAPACITY_REDUCTION, FALLBACK_DESCRIPTION]
    first = np.ones((6, 7), dtype=np.int64)
    count = np.ones((6, 7), dtype=np.int64)
    for (ticket_type, category), options in DESCRIPTIONS.items():
        first[ticket_type, category] = len(texts)
        count[ticket_type, category] = len(options)
        texts.extend(options)
    return texts, first, count


def _sample_rows(rng, probabilities: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(len(probabilities))[:, None] > cumulative).sum(axis=1).clip(0, probabilities.shape[1] - 1)


def generate_tickets(c: Customers, period: Period, rng: np.random.Generator) -> Tickets:
    months = period.months
    month_start = period.month_starts[:-1][None, :]
    month_end = period.month_starts[1:][None, :] - 1
    first = np.maximum(month_start, c.open_day[:, None])
    last = np.where(c.close_day[:, None] >= 0, np.minimum(month_end, c.close_day[:, None]), month_end)
    active = last >= first
    mid_month = (first + last) // 2
    stressed_month = (c.signal_start[:, None] >= 0) & (mid_month >= c.signal_start[:, None]) & (mid_month <= c.signal_end[:, None])
    rate = MONTHLY_TICKET_RATE[c.ctype][:, None] * np.where(stressed_month, 3.0, 1.0) * active
    count = rng.poisson(rate).ravel()
    cell = np.repeat(np.arange(len(c) * months), count)
    customer = cell // months
    day = first.ravel()[cell] + (rng.random(len(cell)) * (last - first + 1).ravel()[cell]).astype(np.int64)
    stressed = stressed_month.ravel()[cell]
    ticket_type = _sample_rows(rng, np.where(stressed[:, None], STRESSED_TYPE_MIX, TYPE_MIX))
    category = _sample_rows(rng, CATEGORY_MIX[ticket_type])
    texts, text_first, text_count = description_texts()
    description = text_first[ticket_type, category] + (rng.random(len(cell)) * text_count[ticket_type, category]).astype(np.int64)

    # capacity reduction requests: half the business customers with the pre-closing pattern, and a
    # few others (a business can shrink and stay)
    business = c.ctype != RES
    asks = business & (((c.signal_start >= 0) & (rng.random(len(c)) < 0.5)) | (rng.random(len(c)) < 0.02))
    ask_from = np.where(c.signal_start >= 0, np.maximum(c.signal_start, c.open_day), c.open_day)
    ask_from = np.maximum(ask_from, period.first_day)
    ask_to = np.where(c.close_day >= 0, c.close_day, np.where(c.signal_start >= 0, c.signal_end, period.end_day))
    ask_to = np.minimum(ask_to, period.end_day)
    asks &= ask_to >= ask_from
    askers = np.flatnonzero(asks)
    ask_day = ask_from[askers] + (rng.random(len(askers)) * (ask_to - ask_from + 1)[askers]).astype(np.int64)
    customer = np.concatenate([customer, askers])
    day = np.concatenate([day, ask_day])
    stressed = np.concatenate([stressed, in_signal(c, askers, ask_day)])
    ticket_type = np.concatenate([ticket_type, np.full(len(askers), BUSINESS)])
    category = np.concatenate([category, np.full(len(askers), CONNECTION)])
    description = np.concatenate([description, np.zeros(len(askers), dtype=np.int64)])

    n = len(customer)
    progress = np.clip((day - period.first_day) / max(period.end_day - period.first_day, 1), 0, 1)[:, None]
    channel = _sample_rows(rng, CHANNEL_MIX[0] + progress * (CHANNEL_MIX[1] - CHANNEL_MIX[0]))
    hour_weights = np.array([1, 1, 1, 1, 1, 2, 3, 6, 9, 10, 10, 9, 7, 8, 9, 9, 9, 9, 10, 10, 9, 7, 4, 2], dtype=float)
    hour = rng.choice(24, n, p=hour_weights / hour_weights.sum())
    created = day * SECONDS_PER_DAY + hour * 3600 + rng.integers(0, 3600, n)

    urban = c.urban[customer]
    response_median = FIRST_RESPONSE[ticket_type, 0] * np.where((ticket_type == FAULT) & ~urban, 2.0, 1.0)
    response_min = rng.lognormal(np.log(response_median), FIRST_RESPONSE[ticket_type, 1])
    resolve_min = rng.lognormal(np.log(RESOLUTION[ticket_type, 0]), RESOLUTION[ticket_type, 1])
    first_response = created + np.round(response_min * 60).astype(np.int64) + 30
    resolved = first_response + np.round(resolve_min * 60).astype(np.int64)
    commitment = np.where(urban, ARRIVAL_COMMITMENT_MIN[True], ARRIVAL_COMMITMENT_MIN[False])
    missed = ((ticket_type == FAULT) & (response_min > commitment)) | ((ticket_type == COMPLAINT) & (response_min > 1440))
    export_end = (period.export_day + 1) * SECONDS_PER_DAY
    resolved = np.where(resolved < export_end, resolved, -1)
    first_response = np.where(first_response < export_end, first_response, -1)

    rated = (resolved >= 0) & (rng.random(n) < np.where(ticket_type == PRAISE, 0.9, 0.65))
    score = (4.4 - 1.3 * (ticket_type == COMPLAINT) - 0.9 * missed - 0.7 * stressed
             + 0.5 * (ticket_type == PRAISE) + rng.normal(0, 0.8, n))
    satisfaction = np.where(rated, np.clip(np.round(score), 1, 5).astype(np.int64), 0)

    order = np.lexsort((created, customer))
    return Tickets(customer=customer[order], channel=channel[order], ticket_type=ticket_type[order],
                   category=category[order], created=created[order], first_response=first_response[order],
                   resolved=resolved[order], satisfaction=satisfaction[order], description=description[order],
                   missed_commitment=missed[order])


@dataclass
class Surveys:
    customer: np.ndarray
    day: np.ndarray
    scores: np.ndarray         # (rows, 6): overall, reliability, power_quality, billing, staff, channels


def _recent_counts(t: Tickets, selected: np.ndarray, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Per survey: the customer's selected tickets in the 365 days before the survey date."""
    span = np.int64(1) << 40
    keys = np.sort(t.customer[selected] * span + t.created[selected])
    upper = customer * span + day * SECONDS_PER_DAY
    lower = customer * span + (day - 365) * SECONDS_PER_DAY
    return np.searchsorted(keys, upper) - np.searchsorted(keys, lower)


def generate_surveys(c: Customers, tickets: Tickets, period: Period, rng: np.random.Generator) -> Surveys:
    """At most one survey per customer and year; scores follow the customer's service experience."""
    years = (period.months + 11) // 12
    customer = np.repeat(np.arange(len(c)), years)
    year = np.tile(np.arange(years), len(c))
    year_start = period.month_starts[np.minimum(year * 12, period.months)]
    year_end = period.month_starts[np.minimum(year * 12 + 12, period.months)] - 1
    day = year_start + (rng.random(len(customer)) * (year_end - year_start + 1)).astype(np.int64)
    active = (day >= c.open_day[customer]) & ((c.close_day[customer] < 0) | (day <= c.close_day[customer]))
    # a random 8% a year, plus a follow-up survey for 40% of those with a work order in the past year
    recent_ticket = _recent_counts(tickets, np.ones(len(tickets.customer), dtype=bool), customer, day) > 0
    keep = active & (rng.random(len(customer)) < np.where(recent_ticket, 0.4, 0.08))
    customer, day = customer[keep], day[keep]

    complaints = _recent_counts(tickets, tickets.ticket_type == COMPLAINT, customer, day)
    outages = _recent_counts(tickets, tickets.category == OUTAGE, customer, day)
    voltage = _recent_counts(tickets, tickets.category == VOLTAGE, customer, day)
    billing = _recent_counts(tickets, tickets.category == BILLING, customer, day)
    missed = _recent_counts(tickets, tickets.missed_commitment, customer, day)
    unhappy = _recent_counts(tickets, (tickets.satisfaction > 0) & (tickets.satisfaction <= 2), customer, day)
    stressed = in_signal(c, customer, day)

    n = len(customer)
    mood = rng.normal(8.2, 0.8, n) - 0.8 * stressed - 0.5 * np.minimum(complaints, 3)
    reliability = mood - 0.6 * np.minimum(outages, 4) - 0.8 * missed + rng.normal(0, 0.8, n)
    power_quality = mood - 0.9 * np.minimum(voltage, 3) + rng.normal(0, 0.8, n)
    billing_score = mood - 0.7 * np.minimum(billing, 3) + rng.normal(0, 0.8, n)
    staff = mood - 0.8 * np.minimum(unhappy, 3) + rng.normal(0, 0.8, n)
    channels = mood + rng.normal(0, 0.9, n)
    dimensions = np.stack([reliability, power_quality, billing_score, staff, channels], axis=1)
    overall = dimensions.mean(axis=1) + rng.normal(0, 0.5, n)
    scores = np.clip(np.round(np.column_stack([overall, dimensions])), 1, 10).astype(np.int64)
    return Surveys(customer=customer, day=day, scores=scores)


# energy-saving habits asked in the survey (code set energy_saving_action), in bit order
ENERGY_SAVING_ACTIONS = ("shift_to_valley", "efficient_appliances", "ac_setpoint", "standby_off", "smart_control")
# share of surveys whose form asks the question (older forms do not: exported empty)
ACTIONS_ASKED_SHARE = 0.85
# chance a respondent reports each habit by customer type (LI, GC, RES, AGR, EV); shifting to the
# valley is then scaled by the customer's own valley share and is far likelier on the TOU tariff,
# efficient appliances likelier for the type's high users
ACTION_BASE = np.array([
    # shift_to_valley, efficient_appliances, ac_setpoint, standby_off, smart_control
    [0.25, 0.20, 0.05, 0.05, 0.30],
    [0.15, 0.20, 0.25, 0.15, 0.15],
    [0.06, 0.12, 0.30, 0.35, 0.04],
    [0.20, 0.10, 0.02, 0.05, 0.08],
    [0.30, 0.10, 0.02, 0.05, 0.25],
])
RES_TOU_SHIFT_TO_VALLEY = 0.45
HIGH_USER_EXTRA_EFFICIENT = 0.15
ACTION_LABELS = ["none"] + ["|".join(a for bit, a in enumerate(ENERGY_SAVING_ACTIONS) if mask >> bit & 1)
                            for mask in range(1, 1 << len(ENERGY_SAVING_ACTIONS))]


def energy_saving_actions(c: Customers, surveys: Surveys, res_tou_tariff: int,
                          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per survey: a bit mask over ENERGY_SAVING_ACTIONS (an index into ACTION_LABELS) and whether asked."""
    customer = surveys.customer
    ctype = c.ctype[customer]
    chance = ACTION_BASE[ctype].copy()
    valley = c.tou_share[customer, 3]
    chance[:, 0] = np.where(c.tariff[customer] == res_tou_tariff, RES_TOU_SHIFT_TO_VALLEY, chance[:, 0]) \
        * np.clip(valley / np.mean(c.tou_share[:, 3]), 0.5, 2.0)
    type_median = np.array([np.median(c.base_kwh_day[c.ctype == t]) if (c.ctype == t).any() else 0.0
                            for t in range(len(ACTION_BASE))])
    chance[:, 1] += HIGH_USER_EXTRA_EFFICIENT * (c.base_kwh_day[customer] > type_median[ctype])
    reported = rng.random(chance.shape) < np.clip(chance, 0.0, 0.95)
    mask = reported.astype(np.int64) @ (1 << np.arange(len(ENERGY_SAVING_ACTIONS)))
    return mask, rng.random(len(customer)) < ACTIONS_ASKED_SHARE
