{#- Fails on every row where the SQL expression is not true (NULL counts as not true). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
