-- The engine's total is the sum of its rounded components (docs/billing_rules.md section 5),
-- and a month without energy carries no power factor and no adjustment.
select customer_id, billing_month
from {{ ref('int_billing__recomputed_bills') }}
where total_amount <> basic_charge + energy_charge + pf_adjustment + surcharge
    or (kwh_total = 0 and (power_factor is not null or pf_adjustment <> 0))
    or (pf_standard is null and pf_adjustment <> 0)
