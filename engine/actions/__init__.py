"""Actions: what people do with cases beyond one step, built on the runtime. Owners file and apply
(owner_actions), clerks claim and supervisors reassign in bulk (task_assignment), policy staff move running
cases to a new version with a dry run and undo (case_moves), administrators confirm a calendar year and the
provisional deadlines move (calendar_admin), managers reassign, retry, suspend, resume or terminate a
stuck case with a reason (case_control), the system or a manager starts each institute's yearly report
(yearly_reports).
"""
