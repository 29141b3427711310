# The browser harness (Playwright, axe-core on every page) for the security journeys in this folder.
from tests.e2e.conftest import (  # noqa: F401 - fixtures and the hook that checks every page with axe
    axe,
    axe_auditors,
    browser,
    browser_context,
    demo_data,
    page,
    pytest_runtest_call,
)
