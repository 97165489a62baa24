"""What a rep's phone keeps for a day without network: the pages of the day and the clients to search."""
