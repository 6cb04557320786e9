"""Host-independent formatting: the template language, thresholds, time, pace,
icons and units.

Everything here is pure (values in, strings out) and imports only the standard
library, because every bar redraw runs through it.
"""
