"""`idcard extract PATH...`: many files, read in process or by running services.

- `inputs.py`: the paths to read (files, folders, globs), never leaving the given roots;
- `output.py`: one record per input to JSON Lines or CSV, and what `--resume` skips;
- `run.py`: the workers, the progress display and the summary.
"""

from idcard.batch.run import BatchOptions, run_batch

__all__ = ["BatchOptions", "run_batch"]
