-- name: rollup_build_customer_groups
-- grain: one row per segment and region of the stored customers
-- params: none
-- returns: segment, region, customers_count
select
    segment,
    region,
    count(*) as customers_count
from customers
group by segment, region

order by segment, region
