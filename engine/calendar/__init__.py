"""Calendar: working-day arithmetic (workdays, pure), the editable holiday table seeded from chinese-calendar
(holiday_table), and the small service that hands out "now" and the cached calendar (service).

Other wings use ``workdays.WorkdayCalendar``/``SHANGHAI``, ``holiday_table`` and ``service.CalendarService``.
"""
