"""Saved segments: a named filter over the client file, private or shared with the team."""
