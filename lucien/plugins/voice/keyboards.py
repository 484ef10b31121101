"""Inline keyboards of the voice plugin: none. Other plugins label their buttons through
`ctx.voice.button(key, user=...)`."""
