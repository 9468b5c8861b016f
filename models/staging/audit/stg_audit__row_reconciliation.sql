with table_counts as (
    {%- for source_name, table_name in staging_raw_tables() %}
    select
        cast('{{ table_name }}' as {{ staging_text_type() }}) as source_table,
        (select count(*) from {{ source(source_name, table_name) }}) as raw_rows,
        (select count(*) from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }}) as staged_rows,
        (select count(*) from {{ ref('stg_' ~ source_name ~ '__' ~ table_name ~ '__rejected') }}) as rejected_rows
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        source_table,
        cast(raw_rows as bigint) as raw_rows,
        cast(staged_rows as bigint) as staged_rows,
        cast(rejected_rows as bigint) as rejected_rows
    from table_counts
)

select * from final
