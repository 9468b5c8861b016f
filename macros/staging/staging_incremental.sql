{#-
    Monthly runs stage only what changed (docs/incremental.md). A base table is incremental: a
    run that continues the published build deletes the rows of the files it must read again and
    stages those files' rows; every other row stays as the last build left it. Which files are
    read again is decided here, when the model compiles, and kept in
    pipeline.<model>__staged_files for the pre-hook that deletes their rows (after a full build it
    lists every file; the largest tables' data tests check only the rows of these files):

    1. the files the pipeline found new, changed or removed (pipeline.raw_file_changes, written
       by powerlens.pipeline.raw_files);
    2. files holding a row with the same key as a row of those files (before or after the
       change): a duplicate is decided by file and row order across files, so both sides of a
       shared key are staged again together;
    3. files with a row whose verdict depends on more than the row, where that context changed:
       a row rejected as after the as-of date (the date and its message move with as_of_date);
       a row whose parent key (customer, bill) appeared or disappeared.

    Every other row would stage exactly as before: its checks read only the row, the seeds and
    vars (a change to those makes the pipeline rebuild everything), and no row sharing its key
    changed. So the incremental build equals a full rebuild (tests/python/test_incremental.py).

    Without pipeline.raw_file_changes (a plain `dbt build` on an existing file) every file is
    read again.
-#}

{#- is_incremental(), also where there is no table to continue (a unit test has no `this`) -#}
{% macro continues_published_build() %}
    {% do return(this is not none and is_incremental()) %}
{% endmacro %}

{% macro staging_state_exists(name) %}
    {% do return(adapter.dispatch('staging_state_exists', 'powerlens')(name)) %}
{% endmacro %}
{% macro default__staging_state_exists(name) %}
    {% set found = run_query("select count(*) from information_schema.tables where table_schema = 'pipeline' and table_name = '" ~ name ~ "'") %}
    {% do return(found.columns[0].values()[0] > 0) %}
{% endmacro %}

{#- A key's columns typed as the base table stores them (raw names), from a typed read's
    <column>__typed values: the form in which staged rows' keys meet the stored rows' keys. -#}
{% macro staging_typed_key_columns(columns, key) -%}
{%- set column_types = staging_column_types() -%}
{%- for column in columns if column['name'] in key -%}
cast({{ column['name'] }}__typed as {{ staging_engine_type(column_types[column.get('type', 'text')]['sql_type']) }}) as {{ column['name'] }}{{ ', ' if not loop.last }}
{%- endfor -%}
{%- endmacro %}

{% macro staging_quoted_list(values) -%}
{%- for value in values %}{{ staging_string_literal(value) }}{{ ', ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- The files to stage again, as the _source_file values the reader gives them, or none when
    every file is read again. Runs only in an incremental build, at compile time. -#}
{% macro staging_files_to_stage(source_relation, columns, unique_keys, source_types, change_month_column=none) %}
    {% do run_query("create schema if not exists pipeline") %}
    {% set staged_table = staging_state_table('staged_files') %}
    {% set table_name = source_relation.identifier %}
    {% if not staging_state_exists('raw_file_changes') %}
        {% do staging_replace_table(staged_table, "select distinct _source_file as source_file from " ~ this) %}
        {% do run_query("drop table if exists " ~ staging_state_table('changed_months')) %}
        {% do return(none) %}
    {% endif %}

    {% set raw_root = var('raw_dir') | string %}
    {% set changed = run_query("select " ~ staging_string_literal(raw_root ~ '/') ~ " || relative_path from pipeline.raw_file_changes where table_name = '"
        ~ table_name ~ "' order by 1").columns[0].values() | list %}

    {% set typed_changed_sql = staging_typed_rows_sql(source_relation, columns, source_types, number_rows=false, only_files=changed) %}
    {% set parts = ["select '' as source_file where false"] %}
    {% if changed %}
        {% do parts.append(staging_values_sql(changed, 'source_file')) %}
    {% endif %}

    {#- 2. files sharing a key with a changed file's rows, before or after the change -#}
    {% for key in unique_keys if changed %}
        {% set key_match = [] %}
        {% set key_in_column_order = [] %}
        {% for column in columns if column['name'] in key %}
            {% do key_match.append('existing.' ~ column['name'] ~ ' = changed_keys.' ~ column['name']) %}
            {% do key_in_column_order.append(column['name']) %}
        {% endfor %}
        {#- both sides of the union list the key in the columns' order -#}
        {% do parts.append(
            "select distinct existing._source_file from " ~ this ~ " as existing " ~ staging_semi_join() ~ " ("
            ~ " select " ~ staging_typed_key_columns(columns, key) ~ " from (" ~ typed_changed_sql ~ ") as changed_rows"
            ~ " union all select " ~ key_in_column_order | join(", ") ~ " from " ~ this
            ~ " where _source_file in (" ~ staging_quoted_list(changed) ~ ")"
            ~ ") as changed_keys on " ~ key_match | join(' and ')) %}
    {% endfor %}

    {#- 3. rows whose verdict depends on the as-of date or a parent table -#}
    {% do parts.append("select distinct _source_file from " ~ this ~ " where _failure_details like '%is after as_of_date %'"
        ~ " and _failure_details not like '%is after as_of_date " ~ staging_as_of_date() ~ "%'") %}
    {% for column in columns if column.get('parent') %}
        {% set parent_relation, parent_column, parent_rule = column['parent'] %}
        {% set now_present = staging_in_values('existing.' ~ column['name'], parent_relation, parent_column, parent_column ~ " is not null") %}
        {% do parts.append("select distinct _source_file from " ~ this ~ " as existing where " ~ column['name'] ~ " is not null and ("
            ~ "(coalesce(_failed_rules like '%" ~ parent_rule ~ "%', false) and " ~ now_present ~ ")"
            ~ " or (not coalesce(_failed_rules like '%" ~ parent_rule ~ "%', false) and not " ~ now_present ~ "))") %}
    {% endfor %}

    {% do staging_replace_table(staged_table, "select distinct source_file from ("
        ~ parts | join(' union all ') ~ ") as to_stage where source_file <> ''") %}
    {% set to_stage = run_query("select source_file from " ~ staged_table ~ " order by 1").columns[0].values() | list %}
    {% do staging_record_changed_months(change_month_column, typed_changed_sql if changed else none) %}
    {% do return(to_stage) %}
{% endmacro %}

{#- The months a later model must recompute (pipeline.<model>__changed_months): the months of
    the rows about to be deleted and of the changed files' rows. Rows of files read again
    without a change come back the same, in the months already counted. -#}
{% macro staging_record_changed_months(change_month_column, typed_changed_sql) %}
    {% if change_month_column %}
        {% set month_of = "cast(date_trunc('month', " ~ change_month_column ~ ") as date)" %}
        {% set sql = "select distinct " ~ month_of
            ~ " as changed_month from " ~ this ~ " where _source_file in (select source_file from " ~ staging_state_table('staged_files') ~ ")"
            ~ " and " ~ change_month_column ~ " is not null" %}
        {% if typed_changed_sql %}
            {% set sql = sql ~ " union select distinct cast(date_trunc('month', " ~ change_month_column ~ "__typed) as date) from ("
                ~ typed_changed_sql ~ ") as changed_rows where " ~ change_month_column ~ "__typed is not null" %}
        {% endif %}
        {% do staging_replace_table(staging_state_table('changed_months'), sql) %}
    {% endif %}
{% endmacro %}

{#- Pre-hook of the incremental base tables: the rows of the files staged again go first. -#}
{% macro staging_delete_restaged_rows() %}
    {{ return(adapter.dispatch('staging_delete_restaged_rows', 'powerlens')()) }}
{% endmacro %}
{% macro default__staging_delete_restaged_rows() %}
    {% if continues_published_build() %}
        delete from {{ this }} where _source_file in (select source_file from {{ staging_state_table('staged_files') }})
    {% endif %}
{% endmacro %}

{#- Post-hook of the base tables: after a full build (or one without the pipeline's record of
    changes) every file was staged. -#}
{% macro staging_record_staged_files() %}
    {{ return(adapter.dispatch('staging_record_staged_files', 'powerlens')()) }}
{% endmacro %}

{% macro default__staging_record_staged_files() %}
    {% if execute and (not continues_published_build() or not staging_state_exists('raw_file_changes')) %}
        create or replace table {{ staging_state_table('staged_files') }} as
        select distinct _source_file as source_file from {{ this }}
    {% endif %}
{% endmacro %}

{#- A full build of a base table leaves no change record: a later model that reads one
    recomputes every month. -#}
{% macro staging_forget_changed_months() %}
    {% if execute and this is not none and not is_incremental() %}
        {% do run_query("create schema if not exists pipeline") %}
        {% do run_query("drop table if exists " ~ staging_state_table('changed_months')) %}
    {% endif %}
{% endmacro %}

{#- For a model downstream of a base table with a change_month_column: the months to recompute
    (first days, as text), or none (recompute every month) when this is a full build or staging
    left no record. -#}
{% macro incremental_changed_months(base_identifier) %}
    {% if execute and continues_published_build() and staging_state_exists(base_identifier ~ '__changed_months') %}
        {% do return(run_query('select cast(changed_month as string) from ' ~ staging_pipeline_table(base_identifier ~ '__changed_months')
            ~ ' order by 1').columns[0].values() | list) %}
    {% endif %}
    {% do return(none) %}
{% endmacro %}

{#- A condition true for a date in one of the months (none: every date); written as date ranges
    so DuckDB skips the row groups outside them. -#}
{% macro incremental_in_months(date_sql, months) -%}
{%- if months is none -%} true
{%- elif months | length == 0 -%} false
{%- else -%}({% for month in months %}({{ date_sql }} >= date '{{ month }}' and {{ date_sql }} < date '{{ month }}' + interval 1 month){{ ' or ' if not loop.last }}{% endfor %})
{%- endif -%}
{%- endmacro %}

{#- Pre-hook of such a model: the months about to be recomputed go first. -#}
{% macro incremental_delete_changed_months(month_column, base_identifier) %}
    {{ return(adapter.dispatch('incremental_delete_changed_months', 'powerlens')(month_column, base_identifier)) }}
{% endmacro %}
{% macro default__incremental_delete_changed_months(month_column, base_identifier) %}
    {% if continues_published_build() %}
        delete from {{ this }} where {{ incremental_in_months(month_column, incremental_changed_months(base_identifier)) }}
    {% endif %}
{% endmacro %}
