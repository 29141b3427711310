"""Staff accounts: a tenant administrator's joiners, movers and leavers, and a new user's set-up link."""
