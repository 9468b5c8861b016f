-- a raw line (file, row) lands in exactly one place: staged or rejected, never both
{%- for source_name, table_name in staging_raw_tables() %}
select
    '{{ table_name }}' as source_table,
    staged._source_file as source_file,
    staged._source_row as source_row
from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }} as staged
inner join {{ ref('stg_' ~ source_name ~ '__' ~ table_name ~ '__rejected') }} as rejected
    on rejected.source_file = staged._source_file
   and rejected.source_row = staged._source_row
{{ 'union all' if not loop.last }}
{%- endfor %}
