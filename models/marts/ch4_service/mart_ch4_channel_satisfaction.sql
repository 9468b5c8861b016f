{#- Each 95598 ticket channel's strengths and weaknesses: volume, satisfaction and how often it
    is rated, the response commitment met, resolution time, how often the customer has to come
    back (another ticket within service_repeat_complaint_days days), the complaint share, and
    the survey's channels score of the customers whose main channel it is. The strongest and
    weakest measure compare the channel with all channels together (docs/ch4_service.md). -#}
with tickets as (
    select
        ticket_id,
        customer_id,
        channel,
        channel_group,
        ticket_type,
        created_at,
        satisfaction,
        response_commitment,
        response_commitment_met,
        resolution_hours,
        -- the customer's next ticket, as a column: Spark's datediff cannot take a window expression
        lead(created_at) over (partition by customer_id order by created_at, ticket_id) as next_created_at
    from {{ ref('fct_service_tickets') }}
),

surveys as (
    select
        customer_id,
        channels
    from {{ ref('stg_service__surveys') }}
    where channels is not null
),

ticket_follow_ups as (
    select
        ticket_id,
        customer_id,
        channel,
        channel_group,
        ticket_type,
        satisfaction,
        response_commitment,
        response_commitment_met,
        resolution_hours,
        coalesce({{ dbt.datediff(
            'created_at',
            'next_created_at',
            'second') }} <= {{ var('service_repeat_complaint_days') }} * 86400, false) as is_followed_by_repeat_contact
    from tickets
),

-- a customer's main channel: the one they raised most tickets through (ties: the latest used)
customer_channels as (
    select
        customer_id,
        channel,
        row_number() over (
            partition by customer_id
            order by count(*) desc, max(created_at) desc, channel
        ) as channel_rank
    from tickets
    group by customer_id, channel
),

main_channel_surveys as (
    select
        customer_channels.channel,
        count(*) as customers_surveyed,
        avg(cast(surveys.channels as double)) as survey_channels_score
    from surveys
    inner join customer_channels
        on surveys.customer_id = customer_channels.customer_id
        and customer_channels.channel_rank = 1
    group by customer_channels.channel
),

channel_figures as (
    select
        case when grouping(channel) = 1 then 'all' else channel end as channel,
        max(channel_group) as channel_group,
        count(*) as tickets,
        count(distinct customer_id) as customers,
        count(satisfaction) as tickets_rated,
        avg(cast(satisfaction as double)) as average_satisfaction,
        count(response_commitment) as response_commitment_tickets,
        avg(case when response_commitment_met then {{ double_literal('1.0') }} when not response_commitment_met then 0.0 end)
            as response_commitment_met_share,
        {{ percentile_cont('resolution_hours', 0.5) }} as resolution_hours_p50,
        avg(case when is_followed_by_repeat_contact then {{ double_literal('1.0') }} else 0.0 end) as repeat_contact_share,
        avg(case when ticket_type = 'complaint' then {{ double_literal('1.0') }} else 0.0 end) as complaint_share
    from ticket_follow_ups
    group by grouping sets ((channel), ())
),

-- each measure as the channel's advantage over all channels, relative, higher = better
measure_advantages as (
    {%- for measure, better in [('average_satisfaction', 1), ('response_commitment_met_share', 1),
                                ('resolution_hours_p50', -1), ('repeat_contact_share', -1), ('complaint_share', -1)] %}
    select
        channel_figures.channel,
        '{{ measure }}' as measure,
        {{ better }} * (channel_figures.{{ measure }} - all_channels.{{ measure }})
            / nullif(abs(all_channels.{{ measure }}), 0) as advantage
    from channel_figures
    cross join (select {{ measure }} from channel_figures where channel = 'all') as all_channels
    where channel_figures.channel <> 'all'
        and channel_figures.{{ measure }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

strengths as (
    select
        channel,
        -- ties go to the measure first by name, so a rerun names the same one
        {{ marts_first_ordered('measure', [('advantage', 'desc'), ('measure', 'asc')]) }} as strength_measure,
        {{ marts_first_ordered('measure', [('advantage', 'asc'), ('measure', 'asc')]) }} as weakness_measure
    from measure_advantages
    where advantage is not null
    group by channel
),

final as (
    select
        cast(channel_figures.channel as {{ dbt.type_string() }}) as channel,
        cast(channel_figures.channel_group as {{ dbt.type_string() }}) as channel_group,
        cast(channel_figures.tickets as bigint) as tickets,
        cast(channel_figures.customers as bigint) as customers,
        cast(channel_figures.tickets_rated as bigint) as tickets_rated,
        cast(channel_figures.tickets_rated / cast(channel_figures.tickets as double) as double) as rated_share,
        cast(channel_figures.average_satisfaction as double) as average_satisfaction,
        cast(channel_figures.response_commitment_tickets as bigint) as response_commitment_tickets,
        cast(channel_figures.response_commitment_met_share as double) as response_commitment_met_share,
        cast(channel_figures.resolution_hours_p50 as double) as resolution_hours_p50,
        cast(channel_figures.repeat_contact_share as double) as repeat_contact_share,
        cast(channel_figures.complaint_share as double) as complaint_share,
        cast(coalesce(main_channel_surveys.customers_surveyed, 0) as bigint) as customers_surveyed,
        cast(main_channel_surveys.survey_channels_score as double) as survey_channels_score,
        cast(strengths.strength_measure as {{ dbt.type_string() }}) as strength_measure,
        cast(strengths.weakness_measure as {{ dbt.type_string() }}) as weakness_measure
    from channel_figures
    left join main_channel_surveys
        on channel_figures.channel = main_channel_surveys.channel
    left join strengths
        on channel_figures.channel = strengths.channel
    where channel_figures.channel <> 'all'
)

select
    channel,
    channel_group,
    tickets,
    customers,
    tickets_rated,
    rated_share,
    average_satisfaction,
    response_commitment_tickets,
    response_commitment_met_share,
    resolution_hours_p50,
    repeat_contact_share,
    complaint_share,
    customers_surveyed,
    survey_channels_score,
    strength_measure,
    weakness_measure
from final
