"""``xadesk selftest``: after installing, prove on this PC that every part a school relies on works.

In a fresh temporary folder it creates a school, imports a roster, scores a file, runs a small
campaign to the review queue, writes and verifies a transfer file and a PDF, and (through the
``xadesk.selftest`` entry point, so this core never imports Qt) opens the GUI offscreen and closes it.
Each step is timed; the run passes only when every step passes. The folder holds fictional students
only and is deleted afterwards.

A step is a plain function of the shared :class:`SelfTestState`; it returns a one-line detail or
raises. Steps marked ``gui_thread`` must run on the thread that owns the Qt application: the desktop
app runs the other steps on its worker thread and those on its GUI thread, with the same state.
"""

from .base import SelfTestReport, SelfTestState, Step, StepResult
from .runner import all_steps, core_steps, front_end_steps, run_steps

__all__ = ["SelfTestReport", "SelfTestState", "Step", "StepResult", "all_steps", "core_steps",
           "front_end_steps", "run_steps"]
