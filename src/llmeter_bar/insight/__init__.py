"""Figures derived from what was recorded, at view time: the use a window is on
pace to reach by its reset (projection.py, from the cycle's history), the
finished cycles of each window (summary.py, from store/cycles.py), and
``annotate`` that puts both on the normalized results every view shows.

Imports models, store/ (history, cycles) and the standard library; never
render/, fetch/, click or a provider module (the render path imports it).
"""
