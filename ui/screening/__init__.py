"""Screening campaigns: the campaigns page, the kiosk, results, survey import and paper entry."""
