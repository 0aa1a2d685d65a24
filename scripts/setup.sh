#!/usr/bin/env bash
# Sets up brushwork in ./.venv: a CPU build of PyTorch, then brushwork with its extras.
# TORCH_SPEC overrides the torch requirement (e.g. TORCH_SPEC=torch for your platform's default build).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q "${TORCH_SPEC:-torch==2.13.0}"
.venv/bin/pip install -q -e ".[web,fast,eval,test]"
echo "brushwork is ready: .venv/bin/brushwork --help"
