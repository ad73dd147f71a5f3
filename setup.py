"""Adds the rule files (bpmn/) to the packages found from pyproject.toml, as the data package qiangjian_rules.

pyproject.toml cannot both find packages and name one more, and bpmn/ is not a Python package: the
Distribution below appends it after pyproject.toml is read, so wheels, sdists and editable installs all
carry it (an editable install maps qiangjian_rules to the checkout's bpmn/ itself).
"""

from __future__ import annotations

from typing import Any

from setuptools import Distribution, setup

RULES_PACKAGE = "qiangjian_rules"  # engine.bootstrap.RULES_PACKAGE; its folder is in [tool.setuptools.package-dir]


class RulesDistribution(Distribution):
    """A distribution whose packages include the rule files."""

    def parse_config_files(self, *args: Any, **kwargs: Any) -> None:
        """Read pyproject.toml, then add the rule files' package to the found ones."""
        super().parse_config_files(*args, **kwargs)
        if self.packages is not None and RULES_PACKAGE not in self.packages:
            self.packages.append(RULES_PACKAGE)


setup(distclass=RulesDistribution)
