{#- Fails on every row where total_column differs from the sum of part_columns, e.g. a raw
    table whose raw_rows is not staged_rows + rejected_rows: a row was lost or counted twice. -#}
{% test row_counts_reconcile(model, total_column, part_columns) %}
select *
from {{ model }}
where {{ total_column }} is null
   or {{ total_column }} is distinct from ({{ part_columns | join(' + ') }})
{% endtest %}
