{#- Masking for BI users: the marts show enough to recognise a customer on the phone
    (surname, number ends, district) and never the full value. Unmasked PII stays in the
    restricted staging schema. -#}

{#- 张三丰 -> 张** : keep the surname character only -#}
{% macro mask_name(column_name) -%}
    case when {{ column_name }} is not null then {{ dbt.concat(["substr(" ~ column_name ~ ", 1, 1)", "'**'"]) }} end
{%- endmacro %}

{#- 13812341234 -> 138****1234 : keep the carrier prefix and the last four digits -#}
{% macro mask_phone(column_name) -%}
    case
        when length({{ column_name }}) >= 7
            then {{ dbt.concat(["substr(" ~ column_name ~ ", 1, 3)", "'****'", dbt.right(column_name, 4)]) }}
        when {{ column_name }} is not null then '****'
    end
{%- endmacro %}

{#- 江川市东城区人民路12号3栋1201室 -> 江川市东城区 : the address is cut to the district, taken
    from the region reference data rather than parsed, so a malformed address cannot leak.
    Given address_column (the raw address the mask stands for), an address that holds no more
    than that ('-', '不详', the district itself) is shown as NULL: the mask must stand for less
    than the address, so one odd row cannot fail the marts' masking test (and with it the run).
    Without it (a model that does not read the address) the district is shown for every row. -#}
{% macro mask_address_to_district(city_column, district_column, address_column=none) -%}
    {%- set district = dbt.concat([city_column, district_column]) -%}
    {%- if address_column is none -%}
    {{ district }}
    {%- else -%}
    case
        when {{ address_column }} is null or length({{ address_column }}) > length({{ district }})
            then {{ district }}
    end
    {%- endif -%}
{%- endmacro %}
