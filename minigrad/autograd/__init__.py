"""Reverse-mode automatic differentiation: Function, backward/grad, grad modes, gradcheck,
anomaly detection."""
from . import anomaly_mode, grad_mode
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Function
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, nudge_from_kinks, separate_ties

__all__ = ["Function", "grad", "backward", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled", "grad_mode", "nudge_from_kinks", "separate_ties",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "anomaly_mode"]
