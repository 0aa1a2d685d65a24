"""`python -m brushwork.web [--host H] [--port P] [--data-dir DIR]`: the same as `brushwork serve`."""
import argparse
import sys

from .cli import register, run_serve


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brushwork.web")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    return run_serve(args)


if __name__ == "__main__":
    sys.exit(main())
