-- name: rollup_customer_value_kept
-- grain: at most one row: the view of customer_value that rollup_customer_values holds, ranked after the last load
-- params: none
-- returns: value_key (journey.customers.view_key of the parameters it was ranked with)
select value as value_key
from journey_meta
where key = 'rollup_customer_values'
order by value_key
