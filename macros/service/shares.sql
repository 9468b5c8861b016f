{#- Shares inside a group of rows (chapter 3 and 4 marts): a row's count over the group's total,
    and the online part of the group's total, as window expressions over already-counted rows. -#}
{% macro share_within(count_column, partition_by) -%}
    {{ count_column }} / sum(cast({{ count_column }} as double)) over (partition by {{ partition_by }})
{%- endmacro %}

{% macro online_share_within(count_column, partition_by, channel_group_column='channel_group') -%}
    sum(case when {{ channel_group_column }} = 'online' then {{ count_column }} else 0 end) over (partition by {{ partition_by }})
        / sum(cast({{ count_column }} as double)) over (partition by {{ partition_by }})
{%- endmacro %}
