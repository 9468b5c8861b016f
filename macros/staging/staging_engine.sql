{#-
    The engine-specific SQL of staging, behind adapter.dispatch: default__ is DuckDB's SQL as it
    always was, spark__ the same meaning in Spark SQL (docs/spark.md, "Raw files on Spark").
    On Spark the raw files are not read by SQL: powerlens/spark/landing.py lands them as tables
    raw.<table> with the file and 1-based row DuckDB's reader gives, and staging reads those.

    Regular expressions: DuckDB's are RE2, Spark's Java's. A pattern here is written once (RE2
    syntax that means the same in Java) and anchored for Spark with ^(?:...)\z (Java's $ would
    also match before a final line break); Spark gets it as a raw literal r'...', whose
    backslashes are not escapes.
-#}

{% macro staging_text_type() -%}
{{ return(adapter.dispatch('staging_text_type', 'powerlens')()) }}
{%- endmacro %}
{% macro default__staging_text_type() -%}varchar{%- endmacro %}
{% macro spark__staging_text_type() -%}string{%- endmacro %}

{#- A SQL string literal holding text: DuckDB doubles a quote; Spark escapes it, and a backslash,
    with a backslash (two quotes in Spark are two literals side by side, the quote lost). -#}
{% macro staging_string_literal(text) -%}
{{ return(adapter.dispatch('staging_string_literal', 'powerlens')(text)) }}
{%- endmacro %}
{% macro default__staging_string_literal(text) -%}
'{{ text | replace("'", "''") }}'
{%- endmacro %}
{% macro spark__staging_string_literal(text) -%}
'{{ text | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endmacro %}

{#- true when the whole of text_sql matches pattern (NULL for NULL text) -#}
{% macro staging_regexp_full_match(text_sql, pattern) -%}
{{ return(adapter.dispatch('staging_regexp_full_match', 'powerlens')(text_sql, pattern)) }}
{%- endmacro %}
{% macro default__staging_regexp_full_match(text_sql, pattern) -%}
regexp_full_match({{ text_sql }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__staging_regexp_full_match(text_sql, pattern) -%}
regexp_like({{ text_sql }}, r'^(?:{{ pattern }})\z')
{%- endmacro %}

{#- The text the pattern (or its group) matches first -#}
{% macro staging_regexp_extract(text_sql, pattern, group=none) -%}
{{ return(adapter.dispatch('staging_regexp_extract', 'powerlens')(text_sql, pattern, group)) }}
{%- endmacro %}
{% macro default__staging_regexp_extract(text_sql, pattern, group) -%}
regexp_extract({{ text_sql }}, '{{ pattern }}'{{ ', ' ~ group if group is not none }})
{%- endmacro %}
{% macro spark__staging_regexp_extract(text_sql, pattern, group) -%}
regexp_extract({{ text_sql }}, r'{{ pattern }}', {{ group if group is not none else 0 }})
{%- endmacro %}

{#- Trimmed text, NULL when empty: the regex class [\s　] (ASCII whitespace and the full-width
    space U+3000) goes from both ends. Cheaper than trim(text, characters) in DuckDB, but not
    free: values with a clean form skip it (staging_fast_typed_value). RE2's \s is [\t\n\f\r ];
    Java's would add \v, so Spark spells the class out. -#}
{% macro staging_trimmed_text(text_sql) -%}
{{ return(adapter.dispatch('staging_trimmed_text', 'powerlens')(text_sql)) }}
{%- endmacro %}
{% macro default__staging_trimmed_text(text_sql) -%}
nullif(regexp_replace({{ text_sql }}, '^[\s　]+|[\s　]+$', '', 'g'), '')
{%- endmacro %}
{% macro spark__staging_trimmed_text(text_sql) -%}
nullif(regexp_replace({{ text_sql }}, r'^[\t\n\f\r 　]+|[\t\n\f\r 　]+\z', ''), '')
{%- endmacro %}

{#- The first of the strptime formats (%Y, %m, %d with or without separators) that reads
    text_sql, as a date; NULL when none does or the date does not exist. -#}
{% macro staging_strptime_date(text_sql, formats) -%}
{{ return(adapter.dispatch('staging_strptime_date', 'powerlens')(text_sql, formats)) }}
{%- endmacro %}
{% macro default__staging_strptime_date(text_sql, formats) -%}
cast(try_strptime({{ text_sql }}, ['{{ formats | join("', '") }}']) as date)
{%- endmacro %}
{% macro spark__staging_strptime_date(text_sql, formats) -%}
{#- DuckDB's %m and %d read one or two digits; so do Java's M and d, except between two other
    numbers without a separator, where widths must be fixed -#}
cast(coalesce(
    {%- for format in formats %}
    {%- set separated = '-' in format or '/' in format %}
    try_to_timestamp({{ text_sql }}, '{{ format | replace('%Y', 'yyyy') | replace('%m', 'M' if separated else 'MM') | replace('%d', 'd' if separated else 'dd') }}'){{ ',' if not loop.last }}
    {%- endfor %}
) as date)
{%- endmacro %}

{#- A date plus a time of day HH:MM[:SS[.ffffff]] given as text, as a timestamp; NULL when the
    time is not one. -#}
{% macro staging_date_at_time(date_sql, time_text_sql) -%}
{{ return(adapter.dispatch('staging_date_at_time', 'powerlens')(date_sql, time_text_sql)) }}
{%- endmacro %}
{% macro default__staging_date_at_time(date_sql, time_text_sql) -%}
{{ date_sql }}
            + try_cast({{ time_text_sql }} as time)
{%- endmacro %}
{% macro spark__staging_date_at_time(date_sql, time_text_sql) -%}
try_to_timestamp(date_format({{ date_sql }}, 'yyyy-MM-dd') || ' ' || {{ time_text_sql }}, 'yyyy-MM-dd H:mm[:ss[.SSSSSS]]')
{%- endmacro %}

{% macro staging_is_finite(number_sql) -%}
{{ return(adapter.dispatch('staging_is_finite', 'powerlens')(number_sql)) }}
{%- endmacro %}
{% macro default__staging_is_finite(number_sql) -%}isfinite({{ number_sql }}){%- endmacro %}
{% macro spark__staging_is_finite(number_sql) -%}
(not isnan({{ number_sql }}) and abs({{ number_sql }}) < double('Infinity'))
{%- endmacro %}

{#- value_sql is not among the values of column in relation (where the filter holds), with NOT
    IN's meaning (NULL when the values hold a NULL). value_sql must name its table: on Spark it
    sits in a correlated subquery. Spark plans NOT IN in a select list as a nested-loop join
    (every row against every value: hours for tens of millions of readings against a customer
    master), NOT EXISTS with an equality as a hash join. -#}
{% macro staging_not_in_values(value_sql, relation, column, filter=none) -%}
{{ return(adapter.dispatch('staging_not_in_values', 'powerlens')(value_sql, relation, column, filter)) }}
{%- endmacro %}
{% macro default__staging_not_in_values(value_sql, relation, column, filter) -%}
{{ value_sql }} not in (select {{ column }} from {{ relation }}{{ ' where ' ~ filter if filter }})
{%- endmacro %}
{% macro spark__staging_not_in_values(value_sql, relation, column, filter) -%}
case
    when {{ value_sql }} is null then null
    when exists (select 1 from {{ relation }} as lookup_values where lookup_values.{{ column }} = {{ value_sql }}{{ ' and ' ~ filter if filter }}) then false
    when exists (select 1 from {{ relation }} where {{ column }} is null{{ ' and ' ~ filter if filter }}) then null
    else true
end
{%- endmacro %}

{#- value_sql is among the values of column in relation (value_sql names its table, as above). -#}
{% macro staging_in_values(value_sql, relation, column, filter=none) -%}
{{ return(adapter.dispatch('staging_in_values', 'powerlens')(value_sql, relation, column, filter)) }}
{%- endmacro %}
{% macro default__staging_in_values(value_sql, relation, column, filter) -%}
{{ value_sql }} in (select {{ column }} from {{ relation }}{{ ' where ' ~ filter if filter }})
{%- endmacro %}
{% macro spark__staging_in_values(value_sql, relation, column, filter) -%}
not ({{ spark__staging_not_in_values(value_sql, relation, column, filter) }})
{%- endmacro %}

{#- The separator-joined list in value_sql holds an item that is not a code of code_set (an
    empty item included). -#}
{% macro staging_list_has_unknown_code(value_sql, code_relation, code_set, separator) -%}
{{ return(adapter.dispatch('staging_list_has_unknown_code', 'powerlens')(value_sql, code_relation, code_set, separator)) }}
{%- endmacro %}
{% macro default__staging_list_has_unknown_code(value_sql, code_relation, code_set, separator) -%}
not list_has_all((select list(code) from {{ code_relation }} where code_set = '{{ code_set }}'), string_split({{ value_sql }}, '{{ separator }}'))
{%- endmacro %}
{% macro spark__staging_list_has_unknown_code(value_sql, code_relation, code_set, separator) -%}
size(array_except(split({{ value_sql }}, r'\Q{{ separator }}\E', -1), (select collect_set(code) from {{ code_relation }} where code_set = '{{ code_set }}'))) > 0
{%- endmacro %}

{#- How many items the separator-joined list in text_sql holds -#}
{% macro staging_list_length(text_sql, separator) -%}
{{ return(adapter.dispatch('staging_list_length', 'powerlens')(text_sql, separator)) }}
{%- endmacro %}
{% macro default__staging_list_length(text_sql, separator) -%}
len(string_split({{ text_sql }}, '{{ separator }}'))
{%- endmacro %}
{% macro spark__staging_list_length(text_sql, separator) -%}
size(split({{ text_sql }}, r'\Q{{ separator }}\E', -1))
{%- endmacro %}

{#- The raw record as JSON text: pairs of (key, text expression), in order; NULLs kept. -#}
{% macro staging_json_record(pairs) -%}
{{ return(adapter.dispatch('staging_json_record', 'powerlens')(pairs)) }}
{%- endmacro %}
{% macro default__staging_json_record(pairs) -%}
cast(json_object(
            {%- for key, value_sql in pairs %}
            '{{ key }}', {{ value_sql }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as varchar)
{%- endmacro %}
{% macro spark__staging_json_record(pairs) -%}
to_json(named_struct(
            {%- for key, value_sql in pairs %}
            '{{ key }}', {{ value_sql }}{{ ',' if not loop.last }}
            {%- endfor %}
        ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{% macro staging_semi_join() -%}
{{ return(adapter.dispatch('staging_semi_join', 'powerlens')()) }}
{%- endmacro %}
{% macro default__staging_semi_join() -%}semi join{%- endmacro %}
{% macro spark__staging_semi_join() -%}left semi join{%- endmacro %}

{#- Duplicate keys in 64-value blocks (staging_key_group): a dense integer or date column as a
    whole number from an origin, its block, and how many distinct values a block holds (as the
    bits of a 64-bit integer). DuckDB subtracts a date from a date as days, Spark as an interval.
    The default__ forms are DuckDB's expressions of staging_key_group and of the bucketed
    generic test unique_combination_of_columns, for a caller that needs them on both engines. -#}
{% macro staging_bucket_position(column_sql, origin_sql) -%}
{{ return(adapter.dispatch('staging_bucket_position', 'powerlens')(column_sql, origin_sql)) }}
{%- endmacro %}
{% macro default__staging_bucket_position(column_sql, origin_sql) -%}
({{ column_sql }} - {{ origin_sql }})
{%- endmacro %}
{% macro spark__staging_bucket_position(column_sql, origin_sql) -%}
{%- if (origin_sql | string | trim | lower).startswith('date') -%}
datediff({{ column_sql }}, {{ origin_sql }})
{%- else -%}
({{ column_sql }} - {{ origin_sql }})
{%- endif -%}
{%- endmacro %}

{% macro staging_bucket_block(position_sql) -%}
{{ return(adapter.dispatch('staging_bucket_block', 'powerlens')(position_sql)) }}
{%- endmacro %}
{% macro default__staging_bucket_block(position_sql) -%}
{{ position_sql }} // 64
{%- endmacro %}
{% macro spark__staging_bucket_block(position_sql) -%}
floor({{ position_sql }} / 64)
{%- endmacro %}

{% macro staging_bucket_values_seen(position_sql) -%}
{{ return(adapter.dispatch('staging_bucket_values_seen', 'powerlens')(position_sql)) }}
{%- endmacro %}
{% macro default__staging_bucket_values_seen(position_sql) -%}
bit_count(bit_or(1::ubigint << (({{ position_sql }} % 64 + 64) % 64)::ubigint))
{%- endmacro %}
{% macro spark__staging_bucket_values_seen(position_sql) -%}
bit_count(bit_or(shiftleft(cast(1 as bigint), pmod({{ position_sql }}, 64))))
{%- endmacro %}

{% macro spark__staging_key_group(key, key_types, prefix='') -%}
{%- set date_column = staging_key_date_column(key, key_types) -%}
{%- set typed = [] -%}
{%- for key_column in key if key_column != date_column -%}{%- do typed.append(prefix ~ key_column ~ '__typed') -%}{%- endfor -%}
{%- if date_column -%}
    {%- do typed.append(staging_bucket_block(staging_bucket_position(prefix ~ date_column ~ '__typed', "date '2000-01-01'"))) -%}
{%- endif -%}
hash({{ typed | join(', ') }})
{%- endmacro %}

{% macro spark__staging_key_group_repeats(key, key_types) -%}
{%- set date_column = staging_key_date_column(key, key_types) -%}
{%- if date_column -%}
    count(*) > {{ staging_bucket_values_seen(staging_bucket_position(date_column ~ '__typed', "date '2000-01-01'")) }}
{%- else -%}
    count(*) > 1
{%- endif -%}
{%- endmacro %}

{#- The raw columns' types as the reader delivers them, under DuckDB's names (the names
    staging_native_typed_value knows). Spark: the landed table's types. -#}
{% macro staging_source_column_types(source_relation) %}
    {{ return(adapter.dispatch('staging_source_column_types', 'powerlens')(source_relation)) }}
{% endmacro %}
{% macro spark__staging_source_column_types(source_relation) %}
    {% set duckdb_names = {'string': 'VARCHAR', 'tinyint': 'TINYINT', 'smallint': 'SMALLINT',
        'int': 'INTEGER', 'bigint': 'BIGINT', 'float': 'FLOAT', 'double': 'DOUBLE',
        'boolean': 'BOOLEAN', 'date': 'DATE', 'timestamp_ntz': 'TIMESTAMP',
        'timestamp': 'TIMESTAMP WITH TIME ZONE'} %}
    {% set types = {} %}
    {% if execute and model.resource_type != 'unit_test' %}
        {% for column in adapter.get_columns_in_relation(source_relation) %}
            {% set spark_type = column.dtype | lower %}
            {% do types.update({column.name: spark_type | upper if spark_type.startswith('decimal')
                else duckdb_names.get(spark_type, spark_type | upper)}) %}
        {% endfor %}
    {% endif %}
    {% do return(types) %}
{% endmacro %}

{#- The raw rows of a source: its declared columns as delivered, _source_file, and the row
    numbering columns staging_typed_rows_sql combines (_ordinality, _parquet_row). -#}
{% macro staging_raw_rows_sql(source_relation, columns, only_files) -%}
{{ return(adapter.dispatch('staging_raw_rows_sql', 'powerlens')(source_relation, columns, only_files)) }}
{%- endmacro %}
{% macro spark__staging_raw_rows_sql(source_relation, columns, only_files) -%}
        {#- landing.py gave every row its 1-based row within its file, CSV and Parquet alike -#}
        select
            {%- for column in columns %}
            {{ column['name'] }},
            {%- endfor %}
            _source_file,
            cast(null as bigint) as _ordinality,
            _source_row as _parquet_row,
            _field_count
        from {{ source_relation }}
        {%- if only_files is not none %}
        where {{ 'false' if only_files | length == 0 else '_source_file in (' ~ staging_quoted_list(only_files) ~ ')' }}
        {%- endif %}
{%- endmacro %}

{#- Whether a CSV row's number needs its file's offset in the glob's numbering. -#}
{% macro staging_rows_need_file_offsets(source_relation, only_files) %}
    {{ return(adapter.dispatch('staging_rows_need_file_offsets', 'powerlens')(source_relation, only_files)) }}
{% endmacro %}
{% macro default__staging_rows_need_file_offsets(source_relation, only_files) %}
    {% do return(not (only_files is none and staging_csv_file_count(source_relation) == 1)) %}
{% endmacro %}
{% macro spark__staging_rows_need_file_offsets(source_relation, only_files) %}
    {% do return(false) %}
{% endmacro %}

{#- DuckDB's "* exclude" keeps the staged column list in one place (the base model's spec);
    Spark has no such star and lists the relation's other columns. -#}
{% macro staging_columns_except(excluded_columns, relation) -%}
{{ return(adapter.dispatch('staging_columns_except', 'powerlens')(excluded_columns, relation)) }}
{%- endmacro %}
{% macro default__staging_columns_except(excluded_columns, relation) -%}
* exclude ({{ excluded_columns | join(', ') }})
{%- endmacro %}
{#- A base table's columns in its model's order: partitioned by raw file on Spark, the table
    holds _source_file last (Spark keeps partition columns at the end). -#}
{% macro spark_base_columns(relation) %}
    {% set columns = adapter.get_columns_in_relation(relation) %}
    {% set names = columns | map(attribute='name') | list %}
    {% if '_source_file' in names and '_source_row' in names %}
        {% set source_file = columns[names.index('_source_file')] %}
        {% set others = [] %}
        {% for column in columns if column.name != '_source_file' %}
            {% if column.name == '_source_row' %}{% do others.append(source_file) %}{% endif %}
            {% do others.append(column) %}
        {% endfor %}
        {% do return(others) %}
    {% endif %}
    {% do return(columns) %}
{% endmacro %}
{% macro spark__staging_columns_except(excluded_columns, relation) -%}
{%- if not execute -%}*{%- else -%}
{%- set kept = [] -%}
{%- for column in spark_base_columns(relation) if column.name not in excluded_columns -%}
{%- do kept.append(column.name) -%}
{%- endfor -%}
{{ kept | join(',\n        ') }}
{%- endif -%}
{%- endmacro %}

{#- Every column of relation but the excluded ones, in order, those named in replacements (a
    dict column -> SQL) computed anew under the same name: DuckDB's "* replace". -#}
{% macro staging_star_replace(replacements, relation, excluded_columns=[]) -%}
{{ return(adapter.dispatch('staging_star_replace', 'powerlens')(replacements, relation, excluded_columns)) }}
{%- endmacro %}
{% macro default__staging_star_replace(replacements, relation, excluded_columns) -%}
* replace (
        {%- for column, value_sql in replacements.items() %}
        {{ value_sql }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
{% macro spark__staging_star_replace(replacements, relation, excluded_columns) -%}
{%- if not execute -%}*{%- else -%}
{%- set selected = [] -%}
{%- for column in spark_base_columns(relation) if column.name not in excluded_columns -%}
{%- do selected.append(replacements[column.name] ~ ' as ' ~ column.name if column.name in replacements else column.name) -%}
{%- endfor -%}
{{ selected | join(',\n        ') }}
{%- endif -%}
{%- endmacro %}

{#- The bookkeeping of monthly runs (staging_incremental.sql): a table of the pipeline schema. -#}
{% macro staging_state_table(suffix) -%}
{{ return(adapter.dispatch('staging_state_table', 'powerlens')(suffix)) }}
{%- endmacro %}
{% macro default__staging_state_table(suffix) -%}
{{ staging_pipeline_table(this.identifier ~ '__' ~ suffix) }}
{%- endmacro %}
{% macro staging_pipeline_table(name) -%}
{{ return(adapter.dispatch('staging_pipeline_table', 'powerlens')(name)) }}
{%- endmacro %}
{% macro default__staging_pipeline_table(name) -%}
pipeline."{{ name }}"
{%- endmacro %}
{% macro spark__staging_pipeline_table(name) -%}
pipeline.`{{ name }}`
{%- endmacro %}

{#- A bookkeeping table replaced by a query's rows. -#}
{% macro staging_replace_table(table_sql, select_sql) %}
    {% do return(adapter.dispatch('staging_replace_table', 'powerlens')(table_sql, select_sql)) %}
{% endmacro %}
{% macro default__staging_replace_table(table_sql, select_sql) %}
    {% do run_query("create or replace table " ~ table_sql ~ " as " ~ select_sql) %}
{% endmacro %}
{#- Spark's own tables (no Delta) cannot be replaced in one statement -#}
{% macro spark__staging_replace_table(table_sql, select_sql) %}
    {% do run_query("drop table if exists " ~ table_sql) %}
    {% do run_query("create table " ~ table_sql ~ " using parquet as " ~ select_sql) %}
{% endmacro %}

{#- A one-column query of the given text values. -#}
{% macro staging_values_sql(values, column) -%}
{{ return(adapter.dispatch('staging_values_sql', 'powerlens')(values, column)) }}
{%- endmacro %}
{% macro default__staging_values_sql(values, column) -%}
select unnest([{{ staging_quoted_list(values) }}]) as {{ column }}
{%- endmacro %}
{% macro spark__staging_values_sql(values, column) -%}
select explode(array({{ staging_quoted_list(values) }})) as {{ column }}
{%- endmacro %}

{% macro spark__staging_state_exists(name) %}
    {% do run_query("create schema if not exists pipeline") %}
    {% do return(run_query("show tables in pipeline like '" ~ name ~ "'") | length > 0) %}
{% endmacro %}

{#- Monthly runs on Spark (docs/spark.md, "Monthly runs"): an incremental table is partitioned
    by the column its runs replace (a base table by raw file, a monthly aggregate by month) and
    written with insert_overwrite, which replaces exactly the partitions a run writes. Spark's
    own Parquet tables take no DELETE, so the rows that go (a removed file, a month without rows
    now) go as whole partitions, dropped in the pre-hook; partitions written again are
    replaced by the insert. On DuckDB the same models delete and append. -#}
{% macro incremental_engine_config(partition_column) %}
    {% if target.type == 'spark' %}
        {% do return({'incremental_strategy': 'insert_overwrite', 'partition_by': [partition_column],
                      'file_format': 'parquet'}) %}
    {% endif %}
    {% do return({'incremental_strategy': 'append'}) %}
{% endmacro %}

{% macro spark_drop_partitions(relation, column, value_literals) %}
    {%- if value_literals | length > 0 -%}
    alter table {{ relation }} drop if exists
        {%- for value in value_literals %} partition ({{ column }} = {{ value }}){{ ',' if not loop.last }}{% endfor %}
    {%- endif -%}
{% endmacro %}

{% macro spark__staging_delete_restaged_rows() %}
    {% if execute and continues_published_build() %}
        {% set files = run_query("select source_file from " ~ staging_state_table('staged_files')).columns[0].values() %}
        {% set literals = [] %}
        {% for file in files %}{% do literals.append(staging_string_literal(file)) %}{% endfor %}
        {{ spark_drop_partitions(this, '_source_file', literals) }}
    {% endif %}
{% endmacro %}

{% macro spark__incremental_delete_changed_months(month_column, base_identifier) %}
    {% if execute and continues_published_build() %}
        {% set months = incremental_changed_months(base_identifier) %}
        {% if months is none %}
            {#- every month is recomputed: every partition goes -#}
            {% set months = [] %}
            {% for row in run_query("show partitions " ~ this) %}
                {% do months.append(row[0].split('=', 1)[1]) %}
            {% endfor %}
        {% endif %}
        {% set literals = [] %}
        {% for month in months %}{% do literals.append("date '" ~ month ~ "'") %}{% endfor %}
        {{ spark_drop_partitions(this, month_column, literals) }}
    {% endif %}
{% endmacro %}

{% macro spark__staging_record_staged_files() %}
    {% if execute %}
        {% do run_query("create schema if not exists pipeline") %}
        {% do run_query("drop table if exists " ~ staging_state_table('staged_files')) %}
        create table {{ staging_state_table('staged_files') }} using parquet as
        select distinct _source_file as source_file from {{ this }}
    {% endif %}
{% endmacro %}
