{#- own_generation is optional in the contract: where an export leaves it empty or lacks it, it
    follows has_pv (solar or none), and an empty has_pv follows a given own_generation. Rows where
    both are given and disagree never get here (base: conflicting_values). -#}
with accepted_customers as (
    {{ staging_accepted_rows(ref('base_cis__customers')) }}
),

final as (
    select {{ staging_star_replace({
            'has_pv': "coalesce(has_pv, own_generation in ('solar', 'solar_wind'))",
            'own_generation': "coalesce(own_generation, case when has_pv then 'solar' when not has_pv then 'none' end)",
        }, ref('base_cis__customers'), staging_bookkeeping_columns()) }}
    from accepted_customers
)

select * from final
