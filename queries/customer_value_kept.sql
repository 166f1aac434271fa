-- name: customer_value_kept
-- grain: no row (the raw tables keep no ranked view; rollup_customer_value_kept.sql names the one kept)
-- params: none
-- returns: value_key
select cast(null as varchar) as value_key
where false
order by value_key
