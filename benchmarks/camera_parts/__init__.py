"""Parts of benchmarks/cameras.py (not benchmarks of their own: CI runs cameras.py --smoke)."""
