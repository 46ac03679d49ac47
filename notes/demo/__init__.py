"""Demo data: a deterministic, invented archive for trying the site and measuring it.

Invented people and texts only: demo rows are flagged `is_demo`, and the pages say so.
"""

from notes.demo.generator import (
    DemoDataError,
    delete_demo_data,
    demo_data_counts,
    generate,
    has_demo_data,
)

__all__ = ["DemoDataError", "delete_demo_data", "demo_data_counts", "generate", "has_demo_data"]
