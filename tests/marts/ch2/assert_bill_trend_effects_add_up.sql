-- The year-on-year decomposition is only readable if volume + price + mix is the change, to
-- the cent, in every month and region (docs/ch2_consumption.md). Returns the rows that do not.
select billing_month, region_scope, bill_change, volume_effect, price_effect, mix_effect
from {{ ref('mart_ch2_bill_trend_yoy') }}
where abs(volume_effect + price_effect + mix_effect - bill_change) > 0.005
