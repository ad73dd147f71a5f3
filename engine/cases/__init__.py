"""Cases: running them. The Engine (runtime) on a shared load–run–save core (core), completing, starting and
firing timers without holding SQLite's lock while diagram code runs (optimistic_*), one step and its records
(step, sync, effects, facets), the facts the managers' figures count (case_facts) and a case's latest
activity (activity), the case state (instance), who may act (rights), the timer sweep (timers),
parking a case whose code fails (case_parking), deadlines recomputed (recompute) and moving a case's state
onto another version (case_migration).

Other wings use ``runtime.Engine``/``CaseRef`` (actions and the facade) and ``instance.CaseInstance`` (reads).
"""
