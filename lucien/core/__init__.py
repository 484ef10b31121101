"""The framework core: process, configuration, plugins, data, cache and HTTP.

Nothing feature-specific lives here, and nothing here imports a plugin.
"""
