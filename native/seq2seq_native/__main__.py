"""`python3 -m seq2seq_native <command> ...`: dispatches to the module that owns the command."""
from __future__ import annotations

import importlib
import sys

# command -> (module, function taking argv); imported lazily so `--help` needs no torch.
COMMANDS: dict[str, tuple[str, str]] = {
    "forward": ("seq2seq_native.check", "forward_main"),
    "decode": ("seq2seq_native.check", "decode_main"),
    "step": ("seq2seq_native.training", "step_main"),
    "train": ("seq2seq_native.training", "train_main"),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        names = ", ".join(COMMANDS)
        print(f"usage: python3 -m seq2seq_native <command> [options]; commands: {names}", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module, function = COMMANDS[argv[0]]
    return int(getattr(importlib.import_module(module), function)(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
