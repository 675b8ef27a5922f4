"""``python -m hashlearn.cli``: the ``hashlearn`` command (how it runs itself again
with pinned kernels, :func:`hashlearn.cli.main`)."""

from hashlearn.cli import main

if __name__ == "__main__":
    main()
