"""The bigram model of makemore, with no user interface.

Submodules are imported on demand: `data` and `vocab` need no torch, so a UI can
resolve the dataset and paint while torch is still importing.
"""
