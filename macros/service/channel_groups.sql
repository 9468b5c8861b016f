{#- Online or offline, the one grouping of the channels customers reach the utility through:
    payment channels (chapter 3) and service ticket channels (chapter 4) share it so that the
    two online shares mean the same thing. Bank withholding (automatic debit) counts as online,
    since the customer visits no counter; counters at the utility or a bank, the 95598 hotline
    and on-site visits are offline. -#}
{% macro channel_groups() -%}
    {{ return({
        'online': ['app', 'wechat', 'alipay', 'website', 'bank_withholding'],
        'offline': ['counter', 'bank_counter', 'hotline_95598', 'onsite'],
    }) }}
{%- endmacro %}

{% macro channel_group(channel_expr) -%}
    case
    {%- for group, channels in channel_groups().items() %}
        when {{ channel_expr }} in ('{{ channels | join("', '") }}') then '{{ group }}'
    {%- endfor %}
        else 'unknown'
    end
{%- endmacro %}
