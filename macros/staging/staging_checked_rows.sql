{#-
    The one pattern every staging table follows. A base model calls

        staging_checked_rows(source('cis', 'bills'), columns=[...], unique_keys=[[...], ...])

    and gets one row per raw row: the typed columns (raw names), _source_file, _source_row
    (1-based data row within its file), _record_key, _raw_record (the raw text as JSON) and
    _failed_rules / _failed_columns / _failure_details (NULL when the row passes, else every
    failed rule joined by "; ", position by position). The staged model keeps the rows with no
    failure, the rejected model the others, so raw = staged + rejected by construction.

    A column spec is a dict:
      name          raw column name (kept in staging)
      type          text | double | money | power_factor | integer | boolean | date | timestamp | month
      required      true: an empty value is a missing_key (implied for the grain's columns)
      nonnegative   true: a value below zero is a negative_value
      range         [low, high]: a value outside is out_of_range (scores, power factor)
      code_set      the code_labels.code_set the value must belong to (unknown_code)
      lookup        [relation, column]: the value must appear there (unknown_code)
      parent        [relation, column, rule]: the value must appear there, else <rule> (orphans)
      future_ok     true: a date after as_of_date is fine (a due date can lie ahead)
    unique_keys: lists of columns; the first is the table's grain (record_key). For each, the
    first raw row by file and row number keeps the key, later rows are duplicate_key.
-#}

{% macro staging_column_types() %}
    {% do return({
        'text': {'sql_type': 'varchar', 'rule': none},
        'double': {'sql_type': 'double', 'rule': 'bad_number'},
        'money': {'sql_type': 'decimal(18,2)', 'rule': 'bad_number'},
        'power_factor': {'sql_type': 'decimal(4,2)', 'rule': 'bad_number'},
        'integer': {'sql_type': 'integer', 'rule': 'bad_number'},
        'boolean': {'sql_type': 'boolean', 'rule': 'bad_boolean'},
        'date': {'sql_type': 'date', 'rule': 'bad_date'},
        'timestamp': {'sql_type': 'timestamp', 'rule': 'bad_date'},
        'month': {'sql_type': 'date', 'rule': 'bad_date'},
    }) %}
{% endmacro %}

{% macro staging_typed_value(column_type, text_sql) -%}
    {%- if column_type == 'text' -%} {{ text_sql }}
    {%- elif column_type == 'double' -%} {{ staging_parse_double(text_sql) }}
    {%- elif column_type == 'money' -%} {{ staging_parse_decimal(text_sql, 18, 2) }}
    {%- elif column_type == 'power_factor' -%} {{ staging_parse_decimal(text_sql, 4, 2) }}
    {%- elif column_type == 'integer' -%} {{ staging_parse_integer(text_sql) }}
    {%- elif column_type == 'boolean' -%} {{ staging_parse_boolean(text_sql) }}
    {%- elif column_type == 'date' -%} {{ staging_parse_date(text_sql) }}
    {%- elif column_type == 'timestamp' -%} {{ staging_parse_timestamp(text_sql) }}
    {%- elif column_type == 'month' -%} {{ staging_parse_month(text_sql) }}
    {%- else -%} {{ exceptions.raise_compiler_error("unknown staging column type " ~ column_type) }}
    {%- endif -%}
{%- endmacro %}

{#- The build's "today" unless the as_of_date var pins it (reproducible rebuilds, tests). -#}
{% macro staging_as_of_date() -%}
    {%- set pinned = var('as_of_date', '') -%}
    {{- pinned if pinned else run_started_at.strftime('%Y-%m-%d') -}}
{%- endmacro %}

{#- Every check of one column as (condition, rule, detail) triples over the CTE
    checked_values, where <name> is the trimmed text and <name>__typed the typed value. -#}
{% macro staging_column_checks(column, grain) %}
    {% set name = column['name'] %}
    {% set text_col = name %}
    {% set typed_col = name ~ '__typed' %}
    {% set column_type = column.get('type', 'text') %}
    {% set type_rule = staging_column_types()[column_type]['rule'] %}
    {% set checks = [] %}
    {% if column.get('required') or name in grain %}
        {% do checks.append((text_col ~ ' is null', 'missing_key', "'" ~ name ~ " is empty'")) %}
    {% endif %}
    {% if type_rule %}
        {% do checks.append((text_col ~ ' is not null and ' ~ typed_col ~ ' is null', type_rule,
            "'cannot read ''' || " ~ text_col ~ " || ''' as " ~ column_type ~ "'")) %}
    {% endif %}
    {% if column.get('nonnegative') %}
        {% do checks.append((typed_col ~ ' < 0', 'negative_value',
            "'' || " ~ typed_col ~ " || ' is below zero'")) %}
    {% endif %}
    {% if column.get('range') %}
        {% set low, high = column['range'] %}
        {% do checks.append((typed_col ~ ' not between ' ~ low ~ ' and ' ~ high, 'out_of_range',
            "'' || " ~ typed_col ~ " || ' is outside " ~ low ~ "-" ~ high ~ "'")) %}
    {% endif %}
    {% if column.get('code_set') %}
        {% do checks.append((text_col ~ " is not null and " ~ text_col ~ " not in (select code from " ~ ref('code_labels')
            ~ " where code_set = '" ~ column['code_set'] ~ "')", 'unknown_code',
            "'''' || " ~ text_col ~ " || ''' is not a " ~ column['code_set'] ~ " code'")) %}
    {% endif %}
    {% if column.get('lookup') %}
        {% set lookup_relation, lookup_column = column['lookup'] %}
        {% do checks.append((text_col ~ " is not null and " ~ text_col ~ " not in (select " ~ lookup_column ~ " from " ~ lookup_relation ~ ")",
            'unknown_code', "'''' || " ~ text_col ~ " || ''' is not a " ~ lookup_relation.identifier
            ~ "." ~ lookup_column ~ "'")) %}
    {% endif %}
    {% if column.get('parent') %}
        {% set parent_relation, parent_column, parent_rule = column['parent'] %}
        {% do checks.append((text_col ~ " is not null and " ~ text_col ~ " not in (select " ~ parent_column ~ " from " ~ parent_relation
            ~ " where " ~ parent_column ~ " is not null)", parent_rule,
            "'''' || " ~ text_col ~ " || ''' is not in " ~ parent_relation.identifier ~ "'")) %}
    {% endif %}
    {% if column_type in ('date', 'timestamp', 'month') %}
        {% set min_date = var('min_valid_date') %}
        {% do checks.append((typed_col ~ " < date '" ~ min_date ~ "'", 'date_out_of_period',
            "'' || " ~ typed_col ~ " || ' is before min_valid_date " ~ min_date ~ "'")) %}
        {% if not column.get('future_ok') %}
            {% set as_of = staging_as_of_date() %}
            {% do checks.append((typed_col ~ " >= date '" ~ as_of ~ "' + interval 1 day", 'date_out_of_period',
                "'' || " ~ typed_col ~ " || ' is after as_of_date " ~ as_of ~ "'")) %}
        {% endif %}
    {% endif %}
    {% do return(checks) %}
{% endmacro %}

{% macro staging_checked_rows(source_relation, columns, unique_keys) %}
{%- set column_types = staging_column_types() -%}
{%- set grain = unique_keys[0] -%}
{%- set checks = [] -%}
{%- for column in columns -%}
    {%- for check in staging_column_checks(column, grain) -%}
        {%- do checks.append((check[0], "'" ~ check[1] ~ "'", "'" ~ column['name'] ~ "'", check[2])) -%}
    {%- endfor -%}
{%- endfor -%}
{%- for key in unique_keys -%}
    {%- do checks.append((
        '_duplicate_rank_' ~ loop.index ~ ' > 1',
        "'duplicate_key'",
        "'" ~ key | join(', ') ~ "'",
        "'same " ~ key | join(', ') ~ " as row ' || _first_row_" ~ loop.index ~ " || ' of ' || _first_file_" ~ loop.index
    )) -%}
{%- endfor %}

with raw_rows as (
    {#- The typed-empty prototype makes every declared column exist even when no raw file does
        (optional exports) or a file lacks a column; file_row_number comes from Parquet,
        ordinality from CSV (DuckDB numbers CSV rows across the glob in file order). -#}
    select
        {%- for column in columns %}
        cast({{ column['name'] }} as varchar) as {{ column['name'] }},
        {%- endfor %}
        cast(filename as varchar) as _source_file,
        coalesce(
            cast(file_row_number as bigint) + 1,
            cast(ordinality as bigint) - min(cast(ordinality as bigint)) over (partition by filename) + 1
        ) as _source_row
    from (
        select
            {%- for column in columns %}
            cast(null as varchar) as {{ column['name'] }},
            {%- endfor %}
            cast(null as varchar) as filename,
            cast(null as bigint) as ordinality,
            cast(null as varchar) as file_row_number
        where false
        union all by name
        select * from {{ source_relation }}
    ) as raw_files
),

trimmed_rows as (
    select
        {%- for column in columns %}
        nullif(regexp_replace({{ column['name'] }}, '^[\s　]+|[\s　]+$', '', 'g'), '') as {{ column['name'] }},
        {%- endfor %}
        _source_file,
        _source_row,
        cast(json_object(
            {%- for column in columns %}
            '{{ column['name'] }}', {{ column['name'] }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as varchar) as _raw_record
    from raw_rows
),

typed_rows as (
    select
        trimmed_rows.*,
        {%- for column in columns %}
        {{ staging_typed_value(column.get('type', 'text'), column['name']) }} as {{ column['name'] }}__typed,
        {%- endfor %}
        concat_ws('|', {{ grain | join(', ') }}) as _record_key
    from trimmed_rows
),

checked_values as (
    select
        typed_rows.*,
        {%- for key in unique_keys %}
        {%- set key_typed = [] -%}{%- for key_column in key -%}{%- do key_typed.append(key_column ~ '__typed') -%}{%- endfor %}
        case when {{ key_typed | join(' is not null and ') }} is not null then
            row_number() over (partition by {{ key_typed | join(', ') }} order by _source_file, _source_row)
        end as _duplicate_rank_{{ loop.index }},
        first_value(_source_row) over (partition by {{ key_typed | join(', ') }} order by _source_file, _source_row)
            as _first_row_{{ loop.index }},
        first_value(_source_file) over (partition by {{ key_typed | join(', ') }} order by _source_file, _source_row)
            as _first_file_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from typed_rows
),

failed_checks as (
    {#- each check evaluated once; the three failure lists below only read these flags -#}
    select
        checked_values.*,
        {%- for check in checks %}
        coalesce({{ check[0] }}, false) as _failed_check_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from checked_values
),

final as (
    select
        {%- for column in columns %}
        cast({{ column['name'] }}__typed as {{ column_types[column.get('type', 'text')]['sql_type'] }}) as {{ column['name'] }},
        {%- endfor %}
        _source_file,
        _source_row,
        _record_key,
        _raw_record,
        {%- for output_name, check_part in [('_failed_rules', 1), ('_failed_columns', 2), ('_failure_details', 3)] %}
        nullif(concat_ws('; ',
            {%- for check in checks %}
            case when _failed_check_{{ loop.index }} then {{ check[check_part] }} end{{ ',' if not loop.last }}
            {%- endfor %}
        ), '') as {{ output_name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from failed_checks
)

select * from final
{% endmacro %}
