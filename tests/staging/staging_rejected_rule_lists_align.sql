-- rule, column_name and detail are read position by position: they must list as many entries
select
    source_table,
    source_file,
    source_row,
    rule,
    column_name
from {{ ref('stg_audit__rejected_rows') }}
where len(string_split(rule, '; ')) <> len(string_split(column_name, '; '))
   or len(string_split(rule, '; ')) > len(string_split(detail, '; '))
