with rejected_rows as (
    {%- for source_name, table_name in staging_raw_tables() %}
    select
        source_table,
        source_file,
        source_row,
        record_key,
        rule,
        column_name,
        detail,
        raw_record
    from {{ ref('stg_' ~ source_name ~ '__' ~ table_name ~ '__rejected') }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        source_table,
        source_file,
        source_row,
        record_key,
        rule,
        column_name,
        detail,
        raw_record
    from rejected_rows
)

select * from final
