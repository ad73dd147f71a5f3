"""Reads: what the screens show. Inbox queries and filters (queries, inbox_filters, saved_filters), the case
page (case_view, diagram_marks), the task page (task_view), and for managers the stuck cases (stuck_filter,
stuck_cases, stuck_choices), the figures (figures, figure_queries), the process heatmap (activity_counts) and
the institutes' yearly reports (yearly_figures drafts them, yearly_reports lists, prints and reminds). Never
imports the runtime: what it needs of the engine is a protocol (source) that ``Engine`` and ``CalendarService`` fit.
"""
