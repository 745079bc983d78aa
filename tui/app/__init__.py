"""The Textual app: a pane registry, the panes, their widgets and stylesheets."""
