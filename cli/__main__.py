"""`python -m cli`: the same as the `piancha` command."""

from cli.main import app

app()
