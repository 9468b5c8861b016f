{#-
    The one pattern every staging table follows. A base model calls

        staging_checked_rows(source('cis', 'bills'), columns=[...], unique_keys=[[...], ...])

    and gets one row per raw row: the typed columns (raw names), _source_file, _source_row
    (1-based data row within its file), and for a row that fails a rule _record_key, _raw_record
    (the raw text as JSON) and _failed_rules / _failed_columns / _failure_details (NULL when the
    row passes, else every failed rule joined by "; ", position by position). The staged model
    keeps the rows with no failure, the rejected model the others, so raw = staged + rejected by
    construction. The columns must match the raw contract in the sources yml (checked first,
    staging_contract.sql).

    A column spec is a dict:
      name          raw column name (kept in staging)
      type          text | double | money | power_factor | integer | boolean | date | timestamp | month
      required      true: an empty value is a missing_key (implied for the grain's columns)
      nonnegative   true: a value below zero is a negative_value
      range         [low, high]: a value outside is out_of_range (scores, power factor)
      code_set      the code_labels.code_set the value must belong to (unknown_code)
      code_list     [code_set, separator]: the value lists codes joined by separator, each of
                    which must belong to the code set (unknown_code), none of them empty
      conflict      [condition, detail]: SQL over the checked values (<name> the trimmed text,
                    <name>__typed the typed value) true when the row contradicts itself
                    (conflicting_values); detail is a SQL text expression
      lookup        [relation, column]: the value must appear there (unknown_code)
      parent        [relation, column, rule]: the value must appear there, else <rule> (orphans)
      future_ok     true: a date after as_of_date is fine (a due date can lie ahead)
    A key column's pattern (bad_key) is not in the spec: it is the contract's config.meta.key_pattern
    (the sources yml), which var `key_patterns` ({'<table>.<column>': '<regex>'}) can override
    (staging_key_patterns, staging_contract.sql). Before the columns' checks comes field_count:
    a row the preflight's rewrite marked for having more or fewer fields than its header.
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

{#- A type of the table above in the engine's SQL: Spark calls varchar string. -#}
{% macro staging_engine_type(sql_type) -%}
{{ staging_text_type() if sql_type == 'varchar' else sql_type }}
{%- endmacro %}

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

{#- The build's "today" unless the as_of_date var pins it (reproducible rebuilds, tests) or the
    pipeline does: `powerlens run` passes its as-of date as POWERLENS_AS_OF_DATE, not as a var,
    because dbt re-parses the whole project when a var changes and every monthly run has a new
    as-of date (docs/benchmarks.md); a changed environment variable re-parses only the files
    that use it. -#}
{% macro staging_as_of_date() -%}
    {%- set pinned = var('as_of_date', '') or env_var('POWERLENS_AS_OF_DATE', '') -%}
    {{- pinned if pinned else run_started_at.strftime('%Y-%m-%d') -}}
{%- endmacro %}

{#- Every check of one column as (condition, rule, detail) triples over the CTE
    checked_values, where <name> is the trimmed text and <name>__typed the typed value. -#}
{% macro staging_column_checks(column, grain) %}
    {% set name = column['name'] %}
    {% set text_col = name %}
    {% set typed_col = name ~ '__typed' %}
    {#- the checks are evaluated over checked_values (staging_checked_rows); a lookup's subquery
        names the value through it, as the lookup table may have a column of the same name -#}
    {% set outer_text_col = 'checked_values.' ~ name %}
    {% set column_type = column.get('type', 'text') %}
    {% set type_rule = staging_column_types()[column_type]['rule'] %}
    {% set checks = [] %}
    {% if column.get('required') or name in grain %}
        {% do checks.append((text_col ~ ' is null', 'missing_key', "'" ~ name ~ " is empty'")) %}
    {% endif %}
    {% if column.get('key_pattern') %}
        {% set pattern = column['key_pattern'] | replace("'", "''") %}
        {% set key_pattern = column['key_pattern'] %}
        {% do checks.append((text_col ~ " is not null and not " ~ staging_regexp_full_match(text_col, pattern),
            'bad_key', staging_string_literal("'") ~ " || " ~ text_col ~ " || "
                ~ staging_string_literal("' does not match the key pattern of " ~ name ~ " (" ~ key_pattern ~ ")"))) %}
    {% endif %}
    {% if type_rule %}
        {% do checks.append((text_col ~ ' is not null and ' ~ typed_col ~ ' is null', type_rule,
            staging_string_literal("cannot read '") ~ " || " ~ text_col ~ " || " ~ staging_string_literal("' as " ~ column_type))) %}
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
        {% do checks.append((text_col ~ " is not null and " ~ staging_not_in_values(outer_text_col, ref('code_labels'), 'code',
            "code_set = '" ~ column['code_set'] ~ "'"), 'unknown_code',
            staging_string_literal("'") ~ " || " ~ text_col ~ " || " ~ staging_string_literal("' is not a " ~ column['code_set'] ~ " code"))) %}
    {% endif %}
    {% if column.get('code_list') %}
        {% set list_code_set, separator = column['code_list'] %}
        {% do checks.append((text_col ~ " is not null and " ~ staging_list_has_unknown_code(text_col, ref('code_labels'),
            list_code_set, separator), 'unknown_code',
            staging_string_literal("'") ~ " || " ~ text_col ~ " || " ~ staging_string_literal("' holds a code that is not a " ~ list_code_set ~ " code"))) %}
    {% endif %}
    {% if column.get('conflict') %}
        {% do checks.append((column['conflict'][0], 'conflicting_values', column['conflict'][1])) %}
    {% endif %}
    {% if column.get('lookup') %}
        {% set lookup_relation, lookup_column = column['lookup'] %}
        {% do checks.append((text_col ~ " is not null and " ~ staging_not_in_values(outer_text_col, lookup_relation, lookup_column),
            'unknown_code', staging_string_literal("'") ~ " || " ~ text_col ~ " || "
            ~ staging_string_literal("' is not a " ~ lookup_relation.identifier ~ "." ~ lookup_column))) %}
    {% endif %}
    {% if column.get('parent') %}
        {% set parent_relation, parent_column, parent_rule = column['parent'] %}
        {% do checks.append((text_col ~ " is not null and " ~ staging_not_in_values(outer_text_col, parent_relation, parent_column,
            parent_column ~ " is not null"), parent_rule,
            staging_string_literal("'") ~ " || " ~ text_col ~ " || " ~ staging_string_literal("' is not in " ~ parent_relation.identifier))) %}
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

{#- The raw columns' types as the reader delivers them: varchar from CSV, the file's own types
    from Parquet. Read from the source's schema when dbt executes (a describe reads only headers
    and Parquet footers); empty when compiling without a database or inside a unit test, where
    the given rows are text. -#}
{% macro default__staging_source_column_types(source_relation) %}
    {% set types = {} %}
    {% if execute and 'read_' in (source_relation | string) %}
        {% for row in run_query('describe select * from ' ~ source_relation) %}
            {% do types.update({row[0]: row[1] | upper}) %}
        {% endfor %}
    {% endif %}
    {% do return(types) %}
{% endmacro %}

{#- The typed value straight from a Parquet column whose type already fits, or none when the
    value must go through the text parsers. Every accepted text form round-trips through these
    casts to the same value, so a file's rows stage alike whichever way they came. -#}
{% macro staging_native_typed_value(column_type, source_type, name) %}
    {% set integral = source_type in ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT',
        'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT') %}
    {% set decimal = source_type.startswith('DECIMAL') %}
    {% set floating = source_type in ('DOUBLE', 'FLOAT') %}
    {% if column_type == 'double' and (integral or decimal) %}
        {% do return('cast(' ~ name ~ ' as double)') %}
    {% elif column_type == 'double' and floating %}
        {#- NaN and infinity are not numbers a meter reads -#}
        {% do return('case when ' ~ staging_is_finite(name) ~ ' then cast(' ~ name ~ ' as double) end') %}
    {% elif column_type in ('money', 'power_factor') and (integral or decimal or floating) %}
        {% do return('try_cast(' ~ name ~ ' as ' ~ staging_column_types()[column_type]['sql_type'] ~ ')') %}
    {% elif column_type == 'integer' and integral %}
        {% do return('try_cast(' ~ name ~ ' as integer)') %}
    {% elif column_type == 'date' and source_type == 'DATE' %}
        {% do return(name) %}
    {% elif column_type == 'timestamp' and source_type.startswith('TIMESTAMP') and 'TIME ZONE' not in source_type %}
        {% do return('cast(' ~ name ~ ' as timestamp)') %}
    {% elif column_type == 'boolean' and source_type == 'BOOLEAN' %}
        {% do return(name) %}
    {% endif %}
    {% do return(none) %}
{% endmacro %}

{% macro staging_checked_rows(source_relation, columns, unique_keys, change_month_column=none) %}
{%- do staging_assert_columns_match_contract(source_relation, columns, unique_keys) -%}
{%- set column_types = staging_column_types() -%}
{%- set source_types = staging_source_column_types(source_relation) -%}
{#- an incremental build stages only some files (staging_incremental.sql); none: every file -#}
{%- set incremental = continues_published_build() -%}
{%- set only_files = none -%}
{%- if incremental and execute -%}
    {%- set only_files = staging_files_to_stage(source_relation, columns, unique_keys, source_types, change_month_column) -%}
{%- elif execute -%}
    {%- do staging_forget_changed_months() -%}
{%- endif -%}
{%- set grain = unique_keys[0] -%}
{%- set key_patterns = staging_key_patterns(source_relation) -%}
{%- set checks = [] -%}
{#- a row with more or fewer fields than its file's header: the preflight's rewrite keeps it in
    place and marks it; it is rejected, never staged cut or padded -#}
{%- do checks.append(("_field_count is not null", "'field_count'", "split_part(_field_count, '/', 3)",
    "'row has ' || split_part(_field_count, '/', 1) || ' fields, the header has ' || split_part(_field_count, '/', 2)")) -%}
{%- for column in columns -%}
    {%- if column['name'] in key_patterns -%}
        {%- do column.update({'key_pattern': key_patterns[column['name']]}) -%}
    {%- endif -%}
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

{#- Speed matters here: the daily readings are tens of millions of rows, so every row is read,
    typed and checked in one stream and written once. Parquet columns whose type already fits are
    taken as they are; clean text takes the parsers' fast form, the rest is trimmed and parsed in
    full. The costly extras run only for the rows that need them: the raw record as JSON and the
    failure lists for rejected rows only, ranking for rows whose key may occur more than once.
    The raw read is a subquery written out where it is used, not a CTE read three times, which
    DuckDB would buffer whole (tens of millions of wide rows); each copy reads only the columns
    it needs (the repeated-key groups read the key columns, without the CSV row offsets). -#}
{%- set typed_rows_sql = staging_typed_rows_sql(source_relation, columns, source_types, number_rows=true, only_files=only_files) -%}
{%- set typed_keys_sql = staging_typed_rows_sql(source_relation, columns, source_types, number_rows=false, only_files=only_files) -%}

with typed_rows as (
    {{ typed_rows_sql }}
),

{%- for key in unique_keys %}
{%- set key_index = loop.index -%}
{%- set key_typed = [] -%}{%- for key_column in key -%}{%- do key_typed.append(key_column ~ '__typed') -%}{%- endfor %}
{%- set key_types = {} -%}{%- for column in columns if column['name'] in key -%}{%- do key_types.update({column['name']: column.get('type', 'text')}) -%}{%- endfor %}

{%- set ranked_rows_sql -%}
    select {{ key_typed | join(', ') }}, _source_file, _source_row from ({{ typed_rows_sql }}) as typed_rows
    {% if incremental -%}
    {#- the rows staged before that share a key with the rows staged now take part in the ranking #}
    union all
    select
        {%- for key_column in key %}
        existing.{{ key_column }} as {{ key_column }}__typed,
        {%- endfor %}
        existing._source_file,
        existing._source_row
    from {{ this }} as existing
    {{ staging_semi_join() }} (
        select {{ staging_typed_key_columns(columns, key) }}
        from ({{ typed_keys_sql }}) as typed_rows
    ) as staged_keys
        on {% for key_column in key %}existing.{{ key_column }} = staged_keys.{{ key_column }}{{ ' and ' if not loop.last }}{% endfor %}
    {%- endif %}
{%- endset %}

repeated_keys_{{ key_index }} as (
    {#- Groups of rows that may share a key; only their rows are ranked below. -#}
    select {{ staging_key_group(key, key_types) }} as _key_group
    from ({{ ranked_rows_sql if incremental else typed_keys_sql }}) as typed_rows
    where {{ key_typed | join(' is not null and ') }} is not null
    group by _key_group
    having {{ staging_key_group_repeats(key, key_types) }}
),

repeated_key_ranks_{{ key_index }} as (
    {#- the first raw row by file and row number keeps the key; the later ones are duplicates -#}
    select
        typed_rows._source_file,
        typed_rows._source_row,
        row_number() over keyed_rows as _duplicate_rank,
        first_value(typed_rows._source_row) over keyed_rows as _first_row,
        first_value(typed_rows._source_file) over keyed_rows as _first_file
    from ({{ ranked_rows_sql if incremental else typed_rows_sql }}) as typed_rows
    {{ staging_semi_join() }} repeated_keys_{{ key_index }}
        on {{ staging_key_group(key, key_types, 'typed_rows.') }} = repeated_keys_{{ key_index }}._key_group
    where {% for key_column in key_typed %}typed_rows.{{ key_column }} is not null{{ ' and ' if not loop.last }}{% endfor %}
    window keyed_rows as (
        partition by {% for key_column in key_typed %}typed_rows.{{ key_column }}{{ ', ' if not loop.last }}{% endfor %}
        order by typed_rows._source_file, typed_rows._source_row
    )
),
{%- endfor %}

checked_values as (
    select
        typed_rows.*,
        {%- for key in unique_keys %}
        repeated_key_ranks_{{ loop.index }}._duplicate_rank as _duplicate_rank_{{ loop.index }},
        repeated_key_ranks_{{ loop.index }}._first_row as _first_row_{{ loop.index }},
        repeated_key_ranks_{{ loop.index }}._first_file as _first_file_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from typed_rows
    {%- for key in unique_keys %}
    left join repeated_key_ranks_{{ loop.index }}
        on typed_rows._source_file = repeated_key_ranks_{{ loop.index }}._source_file
        and typed_rows._source_row = repeated_key_ranks_{{ loop.index }}._source_row
    {%- endfor %}
),

failed_checks as (
    {#- each check evaluated once; the failure lists below only read these flags -#}
    select
        checked_values.*,
        {%- for check in checks %}
        coalesce({{ check[0] }}, false) as _failed_check_{{ loop.index }},
        {%- endfor %}
        {% for check in checks %}coalesce({{ check[0] }}, false){{ ' or ' if not loop.last }}{% endfor %} as _is_rejected
    from checked_values
),

final as (
    select
        {%- for column in columns %}
        cast({{ column['name'] }}__typed as {{ staging_engine_type(column_types[column.get('type', 'text')]['sql_type']) }}) as {{ column['name'] }},
        {%- endfor %}
        _source_file,
        _source_row,
        case when _is_rejected then concat_ws('|', {{ grain | join(', ') }}) end as _record_key,
        {%- set raw_text = [] %}
        {%- for column in columns %}
        {%- set native = staging_native_typed_value(column.get('type', 'text'), source_types.get(column['name'], 'VARCHAR'), column['name']) %}
        {%- do raw_text.append((column['name'], 'cast(' ~ column['name'] ~ ' as ' ~ staging_text_type() ~ ')' if native else column['name'] ~ '__raw')) %}
        {%- endfor %}
        case when _is_rejected then {{ staging_json_record(raw_text) }} end as _raw_record,
        {%- for output_name, check_part in [('_failed_rules', 1), ('_failed_columns', 2), ('_failure_details', 3)] %}
        case when _is_rejected then concat_ws('; ',
            {%- for check in checks %}
            case when _failed_check_{{ loop.index }} then {{ check[check_part] }} end{{ ',' if not loop.last }}
            {%- endfor %}
        ) end as {{ output_name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from failed_checks
)

select * from final
{% endmacro %}

{#- Finding duplicate keys without grouping by every key (tens of millions of distinct keys cost
    seconds): a key with one date column, like a customer's daily reading, is grouped by its
    other columns and a 64-day block, collecting the days seen as bits; a block whose row count
    exceeds its distinct days holds a duplicate. Other keys group by a 64-bit hash. Either way a
    group only marks rows as candidates: the ranking compares the keys themselves, so a hash
    collision or a shared bit costs a little ranking, never a wrong result. -#}
{% macro staging_key_date_column(key, key_types) %}
    {% set date_columns = [] %}
    {% for key_column in key if key_types[key_column] == 'date' %}{% do date_columns.append(key_column) %}{% endfor %}
    {% do return(date_columns[0] if date_columns | length == 1 and key | length > 1 else none) %}
{% endmacro %}

{% macro staging_key_group(key, key_types, prefix='') -%}
{{ return(adapter.dispatch('staging_key_group', 'powerlens')(key, key_types, prefix)) }}
{%- endmacro %}

{% macro default__staging_key_group(key, key_types, prefix='') -%}
{%- set date_column = staging_key_date_column(key, key_types) -%}
{%- if date_column -%}
    {%- set others = [] -%}{%- for key_column in key if key_column != date_column -%}{%- do others.append(prefix ~ key_column ~ '__typed') -%}{%- endfor -%}
    hash({{ others | join(', ') }}, ({{ prefix ~ date_column }}__typed - date '2000-01-01') // 64)
{%- else -%}
    {%- set typed = [] -%}{%- for key_column in key -%}{%- do typed.append(prefix ~ key_column ~ '__typed') -%}{%- endfor -%}
    hash({{ typed | join(', ') }})
{%- endif -%}
{%- endmacro %}

{% macro staging_key_group_repeats(key, key_types) -%}
{{ return(adapter.dispatch('staging_key_group_repeats', 'powerlens')(key, key_types)) }}
{%- endmacro %}

{% macro default__staging_key_group_repeats(key, key_types) -%}
{%- set date_column = staging_key_date_column(key, key_types) -%}
{%- if date_column -%}
    count(*) > bit_count(bit_or(1::ubigint << ((({{ date_column }}__typed - date '2000-01-01') % 64 + 64) % 64)::ubigint))
{%- else -%}
    count(*) > 1
{%- endif -%}
{%- endmacro %}

{#- One raw read, typed (the body of staging_checked_rows' reads): every column's trimmed text
    and typed value, the raw text of text-read columns, the file, and with number_rows the 1-based
    row within the file (for CSV this costs a second read of the files, for their row offsets).

    A text-read value takes the fast path when its clean form parses (staging_fast_typed_value);
    only the others are trimmed and parsed in full. DuckDB evaluates an expression that occurs
    more than once in a projection once, for every row, ahead of any CASE or COALESCE around it
    (its common-subexpression pass), and the full parsers repeat their input many times: handed
    the raw text, they trimmed and translated every value of the 62 M daily readings. So the full
    path reads `__slow`, the text only where the fast path failed and NULL elsewhere: whatever is
    evaluated eagerly runs on NULLs for the clean rows. -#}
{% macro staging_typed_rows_sql(source_relation, columns, source_types, number_rows, only_files=none) -%}
    select
        {%- for column in columns %}
        {%- set column_type = column.get('type', 'text') %}
        {%- set name = column['name'] %}
        {%- set native = staging_native_typed_value(column_type, source_types.get(name, 'VARCHAR'), 'fast_rows.' ~ name) %}
        {%- set fast = staging_fast_typed_value(column_type, 'x') | trim %}
        {%- if native %}
        fast_rows.{{ name }},
        {{ native }} as {{ name }}__typed,
        {%- elif fast %}
        {%- set slow = staging_trimmed_text('case when fast_rows.' ~ name ~ '__fast is null then fast_rows.' ~ name ~ '__raw end') %}
        case when fast_rows.{{ name }}__fast is not null then fast_rows.{{ name }}__raw else {{ slow }} end as {{ name }},
        coalesce(fast_rows.{{ name }}__fast, {{ staging_typed_value(column_type, slow) }}) as {{ name }}__typed,
        fast_rows.{{ name }}__raw,
        {%- else %}
        {{ staging_trimmed_text('fast_rows.' ~ name ~ '__raw') }} as {{ name }},
        {{ staging_typed_value(column_type, staging_trimmed_text('fast_rows.' ~ name ~ '__raw')) }} as {{ name }}__typed,
        fast_rows.{{ name }}__raw,
        {%- endif %}
        {%- endfor %}
        fast_rows._source_file
        {%- set file_offsets = number_rows and staging_rows_need_file_offsets(source_relation, only_files) %}
        {%- if number_rows %},
        coalesce(fast_rows._parquet_row, fast_rows._ordinality{{ ' - csv_file_offsets._ordinality_offset' if file_offsets }})
            as _source_row,
        fast_rows._field_count
        {%- endif %}
    from (
        {#- the raw text of every text-read column and its fast-path value -#}
        select
            {%- for column in columns %}
            {%- set column_type = column.get('type', 'text') %}
            {%- set name = column['name'] %}
            {%- if staging_native_typed_value(column_type, source_types.get(name, 'VARCHAR'), name) %}
            raw_rows.{{ name }},
            {%- else %}
            cast(raw_rows.{{ name }} as {{ staging_text_type() }}) as {{ name }}__raw,
            {%- set fast = staging_fast_typed_value(column_type, 'cast(raw_rows.' ~ name ~ ' as ' ~ staging_text_type() ~ ')') | trim %}
            {%- if fast %}
            {{ fast }} as {{ name }}__fast,
            {%- endif %}
            {%- endif %}
            {%- endfor %}
            raw_rows._source_file,
            raw_rows._ordinality,
            raw_rows._parquet_row,
            raw_rows._field_count
    from (
        {{ staging_raw_rows_sql(source_relation, columns, only_files) }}
    ) as raw_rows
    ) as fast_rows
    {%- if file_offsets %}
    left join (
        {#- CSV rows are numbered across the glob: a file's rows start after the previous files'.
            The limit (far above any number of files) tells DuckDB's planner that this side is
            small; left to its estimate it built the join's hash table from the raw rows. -#}
        select
            cast(filename as varchar) as _source_file,
            min(cast(ordinality as bigint)) - 1 as _ordinality_offset
        from (
            select null as filename, null as ordinality where false
            union all by name
            select * from {{ source_relation }}
        ) as raw_files
        {{ staging_only_files_filter(only_files) }}
        {{ 'and' if only_files is not none else 'where' }} ordinality is not null
        group by all
        limit 100000
    ) as csv_file_offsets
        on fast_rows._source_file = csv_file_offsets._source_file
    {%- endif %}
{%- endmacro %}

{#- DuckDB reads the raw files itself (var raw_file_reader). -#}
{% macro default__staging_raw_rows_sql(source_relation, columns, only_files) -%}
        {#- The untyped-empty prototype makes every declared column exist even when no raw file
            does (optional exports) or a file lacks a column, without changing the types a file
            brings; file_row_number comes from Parquet, ordinality from CSV (DuckDB numbers CSV
            rows across the glob in file order). -#}
        select
            {%- for column in columns %}
            {{ column['name'] }},
            {%- endfor %}
            cast(filename as varchar) as _source_file,
            cast(ordinality as bigint) as _ordinality,
            cast(file_row_number as bigint) + 1 as _parquet_row,
            {#- "<found>/<expected>/<column>" on a row the preflight found with the wrong number
                of fields (powerlens/quality/preflight.py, FIELD_COUNT_COLUMN); no file but such a
                rewrite has the column #}
            nullif(cast(_field_count as varchar), '') as _field_count
        from (
            select
                {%- for column in columns %}
                null as {{ column['name'] }},
                {%- endfor %}
                null as filename,
                null as ordinality,
                null as file_row_number,
                null as _field_count
            where false
            union all by name
            select * from {{ source_relation }}
        ) as raw_files
        {{ staging_only_files_filter(only_files) }}
{%- endmacro %}

{#- How many CSV files the source reads, or none when that cannot be told from its reader. With
    one file, DuckDB's ordinality is the row number: the per-file offsets, a second full read of
    the file that CSV row numbering keeps to one thread, are not needed. The file list is the SQL
    list literal of read_csv in the reader (var raw_file_reader), globbed without reading a row. -#}
{% macro staging_csv_file_count(source_relation) %}
    {% if not execute %}{% do return(none) %}{% endif %}
    {% set found = modules.re.search("read_csv\\((\\['(?:[^']|'')*'(?:\\s*,\\s*'(?:[^']|'')*')*\\])", source_relation | string) %}
    {% if not found %}{% do return(none) %}{% endif %}
    {% do return(run_query('select count(*) from glob(' ~ found.group(1) ~ ')').columns[0].values()[0]) %}
{% endmacro %}

{#- Read only the given files (an incremental build); the constants let DuckDB skip the others. -#}
{% macro staging_only_files_filter(only_files) -%}
{%- if only_files is none -%}
{%- elif only_files | length == 0 -%} where false
{%- else -%} where cast(filename as varchar) in ({{ staging_quoted_list(only_files) }})
{%- endif -%}
{%- endmacro %}
