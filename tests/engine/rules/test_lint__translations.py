"""The validator's and SpiffWorkflow's English messages reach policy staff in Chinese."""

from __future__ import annotations

import pytest

from engine.rules.lint.translations import spiff_message, xsd_message


@pytest.mark.parametrize(("english", "chinese"), [
    ("The process 'esc' was not found. Did you mean one of the following: escalation, filing?.",
     "调用的流程「esc」不存在（现有流程：escalation、filing）"),
    ("missing files verify.schema.json, a.schema.json", "缺少文件：verify.schema.json、a.schema.json"),
    ('No DMN Diagram available with id "routing", Available DMN ids are: application_routing, instrument_scope.',
     "调用的决策「routing」不存在（现有决策：application_routing、instrument_scope）"),
    ("Something new went wrong.", "（原文：Something new went wrong.）"),
])
def test_spiffworkflow_messages(english: str, chinese: str) -> None:
    assert spiff_message(english) == chinese


def test_unexpected_element_lists_what_may_stand_there() -> None:
    english = "Element 'foo': This element is not expected. Expected is one of ( documentation, laneSet )."
    assert xsd_message(english) == "此处不应出现元素 foo（此处可以是：documentation、laneSet）"
