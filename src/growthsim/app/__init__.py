"""``growthsim app``: an interactive planning page (Solara) for what-if questions.

The page edits a saved plan's levers (controls generated from the scenario schema), runs
the edited plan beside the saved one with common random numbers, streams the results in
as replicates finish, tells one simulated future day by day, and downloads the edited plan
and the run folder. See ``docs/app.md``.

Only :mod:`growthsim.app.page` and :mod:`growthsim.app.server` import Solara (the ``app``
extra); the form, the runs and the story are plain Python, tested without a browser.
"""
