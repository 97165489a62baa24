"""Map and tour planner: travel matrices, tour optimisation, week planning."""
