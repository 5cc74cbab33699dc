"""The hand-made published marts of tests/report, for the provisioning checks."""

from tests.report.conftest import published  # noqa: F401  (a fixture, used by name)
