"""`python -m checker` is the same as the `dlx` command."""

from checker.cli import main

if __name__ == "__main__":
    main()
