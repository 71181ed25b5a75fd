-- page: principal_eservices, principal_staff
-- roles: principal
-- grain: aggregate
-- params: unit_id
-- M3 for one unit: monthly active users by service and user type beside the users with access
-- in that school year (aggregates of the source systems' sign-ins; no person). One row per service:
-- the people active in any service ('kaikki', M3's base) are eservice_year_for_unit's.
select m.month, y.school_year_id, m.service, m.user_type, m.active_users::integer as active_users,
       m.logins::bigint as logins, e.eligible_users::integer as eligible_users,
       m.active_users / nullif(e.eligible_users, 0) as activation
from scoped_eservice_monthly m
join scoped_school_year y on m.month between y.starts_on and y.ends_on
left join scoped_eservice_eligible e on e.school_year_id = y.school_year_id and e.service = m.service
     and e.user_type = m.user_type and e.unit_id = m.unit_id
where m.unit_id = $unit_id and m.service <> 'kaikki'
order by m.month, m.service, m.user_type
