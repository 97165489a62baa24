"""Purchases and campaigns on a client's history, and the revenue figures derived from them."""
