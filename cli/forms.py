"""CLI commands over nlp.forms (owned by the forms work; placeholder until it lands)."""
