-- name: rollup_filter_values
-- grain: one row per filter dimension and known value (filter_values with the channels read from rollup_channel_days, segments and regions from rollup_customer_groups)
-- params: none
-- returns: dimension, value
with

channels as (
    select distinct 'channel' as dimension, channel as value from rollup_channel_days
),

segments as (
    select distinct 'segment' as dimension, segment as value from rollup_customer_groups where segment is not null
),

regions as (
    select distinct 'region' as dimension, region as value from rollup_customer_groups where region is not null
),

teams as (
    select distinct 'team' as dimension, team as value from agents where team is not null
),

final as (
    select dimension, value from channels
    union all select dimension, value from segments
    union all select dimension, value from regions
    union all select dimension, value from teams
)

select * from final
order by dimension, value
