"""Re-runnable benchmarks behind ``xadesk bench NAME``.

Each module here is one benchmark with ``add_arguments(parser)`` and ``run(args, cli) -> int``.
Benchmarks print figures (time, peak memory, ratios); they are never pass/fail tests.
"""
