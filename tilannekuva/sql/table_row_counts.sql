-- page: admin_status, admin_loads
-- roles: admin
-- grain: aggregate
-- params:
-- Row counts of the warehouse tables (no contents).
select table_name, row_count::bigint as row_count from scoped_warehouse_table order by table_name
