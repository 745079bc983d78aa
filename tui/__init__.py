"""The terminal front ends: the headless CLI (`cli`) and the Textual app (`app`).

Importing this package imports neither torch nor textual.
"""
