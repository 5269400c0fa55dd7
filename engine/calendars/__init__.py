"""Working-day calendars over injected holiday tables (RULES.md §A); fail-closed.

- `schedule`: a `RegionYear` is one published schedule (the State Council's for `CN`, a regional
  notice for `CN-XJ`, …), its holiday periods and make-up workdays;
- `checks`: the rules those keep — for a published schedule and for a year being edited alike;
- `working_days`: `Calendars` layers a region over its parents and counts deadlines on them.

No file is read and no clock is consulted here, except by `Calendars.from_dir`. The web application
imports the names below from here.
"""

from .schedule import Holiday, RegionYear
from .working_days import CalendarNotConfirmed, Calendars

__all__ = ["CalendarNotConfirmed", "Calendars", "Holiday", "RegionYear"]
