{#-
    Text-to-type parsers shared by every staging model. Each takes a SQL expression holding
    trimmed text (NULL when the raw cell was empty) and returns the typed value, or NULL when the
    text does not parse; staging_checked_rows turns "text present, typed value NULL" into a
    bad_number / bad_date / bad_boolean rejection. The accepted formats are listed in docs/staging.md.
-#}

{#- Full-width digits and punctuation (Chinese input methods) to their ASCII forms. -#}
{% macro staging_halfwidth(text_sql) -%}
translate({{ text_sql }}, '０１２３４５６７８９．，－＋／：　', '0123456789.,-+/: ')
{%- endmacro %}

{#- A plain decimal number as text. Clean ASCII numbers (nearly every value) take the first
    branch; full-width digits and thousands separators are normalised only when needed, and a
    separator counts only where it groups digits in threes (1,234.5), so "1,23" stays invalid. -#}
{% macro staging_number_text(text_sql) -%}
case
    when {{ staging_regexp_full_match(text_sql, '[+-]?(\\d+\\.?\\d*|\\.\\d+)') }}
        then {{ text_sql }}
    when {{ staging_regexp_full_match(staging_halfwidth(text_sql), '[+-]?(\\d+\\.?\\d*|\\.\\d+)') }}
        then {{ staging_halfwidth(text_sql) }}
    when {{ staging_regexp_full_match(staging_halfwidth(text_sql), '[+-]?\\d{1,3}(,\\d{3})+(\\.\\d*)?') }}
        then replace({{ staging_halfwidth(text_sql) }}, ',', '')
end
{%- endmacro %}

{% macro staging_parse_double(text_sql) -%}
try_cast({{ staging_number_text(text_sql) }} as double)
{%- endmacro %}

{#- Money and power factor are exact decimals: cast from text, never through a double. -#}
{% macro staging_parse_decimal(text_sql, precision, scale) -%}
try_cast({{ staging_number_text(text_sql) }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{#- Scores are whole numbers: "4.5" is a bad number, not 4 or 5. -#}
{% macro staging_parse_integer(text_sql) -%}
case
    when {{ staging_regexp_full_match(staging_number_text(text_sql), '[+-]?\\d+') }}
        then try_cast({{ staging_number_text(text_sql) }} as integer)
end
{%- endmacro %}

{% macro staging_parse_boolean(text_sql) -%}
case lower({{ text_sql }})
    when 'true' then true
    when '1' then true
    when 'false' then false
    when '0' then false
end
{%- endmacro %}

{#- ISO YYYY-MM-DD (the fast path), YYYY/MM/DD or YYYYMMDD, with full-width digits allowed;
    impossible dates (2024-02-30) do not parse. -#}
{% macro staging_parse_date(text_sql) -%}
case
    when {{ staging_regexp_full_match(text_sql, '\\d{4}-\\d{2}-\\d{2}') }}
        then try_cast({{ text_sql }} as date)
    when {{ staging_regexp_full_match(staging_halfwidth(text_sql), '\\d{4}-\\d{1,2}-\\d{1,2}|\\d{4}/\\d{1,2}/\\d{1,2}|\\d{8}') }}
        then {{ staging_strptime_date(staging_halfwidth(text_sql), ['%Y-%m-%d', '%Y/%m/%d', '%Y%m%d']) }}
end
{%- endmacro %}

{#- A date in one of the date forms, optionally followed by a space or "T" and a time
    HH:MM[:SS[.ffffff]]; a bare date is midnight. ISO "YYYY-MM-DD HH:MM:SS" is the fast path. -#}
{% macro staging_parse_timestamp(text_sql) -%}
case
    when {{ staging_regexp_full_match(text_sql, '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}') }}
        then try_cast({{ text_sql }} as timestamp)
    when {{ staging_regexp_full_match(staging_halfwidth(text_sql), '[0-9/-]+') }}
        then cast({{ staging_parse_date(text_sql) }} as timestamp)
    when {{ staging_regexp_full_match(staging_halfwidth(text_sql), '[0-9/-]+[ T]\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?') }}
        then {{ staging_date_at_time(staging_parse_date(staging_regexp_extract(staging_halfwidth(text_sql), '^[0-9/-]+')),
            staging_regexp_extract(staging_halfwidth(text_sql), '[ T](.*)$', 1)) }}
end
{%- endmacro %}

{#- A billing month YYYY-MM (or YYYY/MM, YYYYMM) as the first day of that month. ISO YYYY-MM is
    the fast path. -#}
{% macro staging_parse_month(text_sql) -%}
case
    when {{ staging_regexp_full_match(text_sql, '\\d{4}-\\d{2}') }}
        then try_cast({{ text_sql }} || '-01' as date)
    when {{ staging_regexp_full_match(staging_halfwidth(text_sql), '\\d{4}-\\d{1,2}|\\d{4}/\\d{1,2}|\\d{6}') }}
        then {{ staging_strptime_date(staging_halfwidth(text_sql), ['%Y-%m', '%Y/%m', '%Y%m']) }}
end
{%- endmacro %}

{#- The clean form of a value, read without trimming or normalising: ISO dates and timestamps,
    plain decimals. NULL when the text is not in that form, and staging then trims it and runs
    the full parser above, so the result is the same either way; the daily readings are tens of
    millions of values and nearly all of them are clean. Empty for types without a fast form. -#}
{% macro staging_fast_typed_value(column_type, text_sql) -%}
{%- set number = staging_regexp_full_match(text_sql, '[+-]?(\\d+\\.?\\d*|\\.\\d+)') -%}
{%- if column_type == 'double' -%}
case when {{ number }} then try_cast({{ text_sql }} as double) end
{%- elif column_type in ('money', 'power_factor') -%}
case when {{ number }} then try_cast({{ text_sql }} as {{ 'decimal(18,2)' if column_type == 'money' else 'decimal(4,2)' }}) end
{%- elif column_type == 'integer' -%}
case when {{ staging_regexp_full_match(text_sql, '[+-]?\\d+') }} then try_cast({{ text_sql }} as integer) end
{%- elif column_type == 'date' -%}
case when {{ staging_regexp_full_match(text_sql, '\\d{4}-\\d{2}-\\d{2}') }} then try_cast({{ text_sql }} as date) end
{%- elif column_type == 'timestamp' -%}
case when {{ staging_regexp_full_match(text_sql, '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}') }} then try_cast({{ text_sql }} as timestamp) end
{%- elif column_type == 'month' -%}
case when {{ staging_regexp_full_match(text_sql, '\\d{4}-\\d{2}') }} then try_cast({{ text_sql }} || '-01' as date) end
{%- endif -%}
{%- endmacro %}
