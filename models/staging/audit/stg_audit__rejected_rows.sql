with rejected_rows as (
    {%- for source_name, table_name in staging_raw_tables() %}
    select
        {{ staging_rejected_columns() | join(',\n        ') }}
    from {{ ref('stg_' ~ source_name ~ '__' ~ table_name ~ '__rejected') }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        {{ staging_rejected_columns() | join(',\n        ') }}
    from rejected_rows
)

select * from final
