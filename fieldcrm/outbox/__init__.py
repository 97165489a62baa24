"""Actions queued on a phone and sent when the network returns: each is done once, whatever the replays."""
