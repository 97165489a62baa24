"""The rep's day: Today (home screen), the week, the private calendar feed, visit cadences."""
