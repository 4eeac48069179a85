"""Maps the top-level `checks/` and `report_templates/` folders into the `auditor` namespace.

The repository keeps built-in checks and HTML templates at the top level where newcomers look for
them; installed, they live at `auditor.checks` and `auditor.report_templates`, so the wheel never
puts a bare `checks` package into site-packages.
"""

from setuptools import find_packages, setup

packages = (
    find_packages(include=["auditor", "auditor.*"])
    + ["auditor.checks"]
    + [f"auditor.checks.{name}" for name in find_packages("checks")]
    + ["auditor.report_templates"]
)

setup(
    packages=packages,
    package_dir={
        "auditor.checks": "checks",
        "auditor.report_templates": "report_templates",
    },
)
