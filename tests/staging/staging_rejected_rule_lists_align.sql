-- rule, column_name and detail are read position by position: they must list as many entries
select
    source_table,
    source_file,
    source_row,
    rule,
    column_name
from {{ ref('stg_audit__rejected_rows') }}
where {{ staging_list_length('rule', '; ') }} <> {{ staging_list_length('column_name', '; ') }}
   or {{ staging_list_length('rule', '; ') }} > {{ staging_list_length('detail', '; ') }}
