{#- The raw tables of the contract, as (source, table): the audit models loop over them. dbt records
    a model's refs while parsing, before the sources are in its graph, so the list is written
    out here; once dbt executes it must equal the contract's tables (the sources yml). -#}
{% macro staging_raw_tables() %}
    {% set tables = [
        ('cis', 'customers'),
        ('cis', 'bills'),
        ('cis', 'payments'),
        ('cis', 'programme_enrollments'),
        ('mdm', 'meter_readings'),
        ('mdm', 'interval_readings'),
        ('service', 'service_tickets'),
        ('service', 'surveys'),
    ] %}
    {#- a unit test's graph holds no sources -#}
    {% if execute and graph.get('sources') %}
        {% set contract_tables = staging_contract_tables() %}
        {% for table in contract_tables if table not in tables %}
            {% do exceptions.raise_compiler_error("raw table " ~ table | join('.') ~ " is in the contract (sources yml) "
                ~ "but not in staging_raw_tables() (macros/staging/staging_outputs.sql); add it with its "
                ~ "base, stg and __rejected models") %}
        {% endfor %}
        {% for table in tables if table not in contract_tables %}
            {% do exceptions.raise_compiler_error("staging_raw_tables() (macros/staging/staging_outputs.sql) lists "
                ~ table | join('.') ~ ", which is not a raw table of the contract (sources yml)") %}
        {% endfor %}
    {% endif %}
    {% do return(tables) %}
{% endmacro %}

{#- The columns of a base table that only its rejected rows fill. -#}
{% macro staging_bookkeeping_columns() %}
    {% do return(['_record_key', '_raw_record', '_failed_rules', '_failed_columns', '_failure_details']) %}
{% endmacro %}

{#- The staged model: the base rows that failed no rule, without the bookkeeping columns. -#}
{% macro staging_accepted_rows(base_relation) %}
with staged_rows as (
    select
        {{ staging_columns_except(staging_bookkeeping_columns(), base_relation) }}
    from {{ base_relation }}
    where _failed_rules is null
),

final as (
    select * from staged_rows
)

select * from final
{% endmacro %}

{#- The columns of every rejected model and of their union, stg_audit__rejected_rows. -#}
{% macro staging_rejected_columns() %}
    {% do return(['source_table', 'source_file', 'source_row', 'record_key', 'rule', 'column_name', 'detail', 'raw_record']) %}
{% endmacro %}

{#- The rejected model: one row per raw row that failed at least one rule, all rules listed. -#}
{% macro staging_rejected_rows(base_relation, source_table) %}
with rejected_rows as (
    select
        cast('{{ source_table }}' as {{ staging_text_type() }}) as source_table,
        _source_file as source_file,
        _source_row as source_row,
        _record_key as record_key,
        _failed_rules as rule,
        _failed_columns as column_name,
        _failure_details as detail,
        _raw_record as raw_record
    from {{ base_relation }}
    where _failed_rules is not null
),

final as (
    select
        {{ staging_rejected_columns() | join(',\n        ') }}
    from rejected_rows
)

select * from final
{% endmacro %}
