"""Calibration and forecasting from a community's own history (see docs/calibration.md)."""

from growthsim.calibrate.backtest import backtest
from growthsim.calibrate.draws import ParameterDraws
from growthsim.calibrate.fit import FitResult, fit
from growthsim.calibrate.forecast import Forecast, Selection, condition, forecast, forecast_bands
from growthsim.calibrate.history import History, check_against_scenario, read_events, read_history
from growthsim.calibrate.spec import FitSpec, ParamSpec, load_fit_spec

__all__ = [
    "FitResult",
    "FitSpec",
    "Forecast",
    "History",
    "ParamSpec",
    "ParameterDraws",
    "Selection",
    "backtest",
    "check_against_scenario",
    "condition",
    "fit",
    "forecast",
    "forecast_bands",
    "load_fit_spec",
    "read_events",
    "read_history",
]
