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
    from the region reference data rather than parsed, so a malformed address cannot leak -#}
{% macro mask_address_to_district(city_column, district_column) -%}
    {{ dbt.concat([city_column, district_column]) }}
{%- endmacro %}
