"""The map of the client file, geocoding of client addresses and manual pin fixing."""
