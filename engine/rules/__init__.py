"""Rules: the BPMN/DMN files as data. Parsing and caching specs per version (specs, rule_xml, our task specs
timer_events and decision_items, the serializer's spec registry), the forms and their checks (form_fields,
forms, filing_limits), the rule files with drafts, publishing and rollback (rule_files, rule_overview), lint
(lint/) and the diff between two sets of files (model_diff/).

Other wings use ``specs``, ``serializer``, ``forms``, ``filing_limits``, ``rule_files`` and ``lint``.
"""
