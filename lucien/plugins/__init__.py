"""The project's own plugins, registered through the `lucien.plugins` entry point group
exactly as a third-party distribution registers its own."""
