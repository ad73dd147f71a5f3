"""The catalogue of instrument types, and the named option lists forms refer to.

The types are those of the national catalogue (《实施强制检定的工作计量器具目录》) that the
capability ledger and the routing table use as codes. Forms name a list with ``x-options``
(``"x-options": "instrument_types"``) instead of copying it, so a form offers a select of the
Chinese names and the engine refuses codes that are not in the list.
"""

from __future__ import annotations

from collections.abc import Mapping

# Instrument type code -> name in the national catalogue (《实施强制检定的工作计量器具目录》).
INSTRUMENT_TYPES: dict[str, str] = {
    "fuel_dispenser": "燃油加油机",
    "electronic_scale": "电子计价秤",
    "sphygmomanometer": "血压计",
    "taximeter": "出租汽车计价器",
    "gas_detector": "可燃气体检测报警器",
    "water_meter": "水表",
    "gas_meter": "燃气表",
    "pressure_gauge": "压力表",
    "breathalyzer": "呼出气体酒精含量检测仪",
    "speed_radar": "机动车测速仪",
    "multiparameter_monitor": "多参数监护仪",
    "tonometer": "眼压计",
}

FORM_OPTIONS: Mapping[str, Mapping[str, str]] = {"instrument_types": INSTRUMENT_TYPES}


def form_options(name: str) -> Mapping[str, str]:
    """The option list a form names (code -> title); KeyError for an unknown name."""
    return FORM_OPTIONS[name]
