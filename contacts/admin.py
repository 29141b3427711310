# Contacts are case records inside the fire-wall: they are not exposed in the platform admin, which
# crosses tenants. Hub staff work with them through the tenant-scoped pages and API only.
