"""Testing helpers shipped with Lucien: the Telegram Bot API emulator and test-run support."""
