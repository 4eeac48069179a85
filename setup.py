"""Maps the top-level `checks/` and `report_templates/` folders into the `auditor` namespace.

The repository keeps built-in checks and HTML templates at the top level where newcomers look for
them; installed, they live at `auditor.checks` and `auditor.report_templates`, so the wheel never
puts a bare `checks` package into site-packages.

Packages are found as namespace packages, so a folder that holds only data (framework YAML,
advisory data, demo inventories, templates) is a package too and `package-data` in
pyproject.toml applies to it: nothing under `auditor/`, `checks/` or `report_templates/` is left
out of the wheel because it lacks an `__init__.py`. `tests/test_packaging.py` builds the wheel and
compares its contents with the source tree.
"""

from setuptools import find_namespace_packages, setup

EXCLUDE = ["*.__pycache__", "__pycache__"]


def mapped(folder: str, package: str) -> list[str]:
    """`package` and every sub-package of `folder`, named inside the `auditor` namespace."""
    return [package] + [f"{package}.{name}" for name in find_namespace_packages(folder, exclude=EXCLUDE)]


packages = (
    find_namespace_packages(include=["auditor", "auditor.*"], exclude=EXCLUDE)
    + mapped("checks", "auditor.checks")
    + mapped("report_templates", "auditor.report_templates")
)

setup(
    packages=packages,
    package_dir={
        "auditor.checks": "checks",
        "auditor.report_templates": "report_templates",
    },
)
