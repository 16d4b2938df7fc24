#!/usr/bin/env python3
"""The NLU model for the current training data: fingerprint, train when missing, locate.

The fingerprint hashes every file under nlu_data/ (training data, pipeline
config, jieba dictionaries), the source of every component of our own the
pipeline names by module path (e.g. scripts/nlu_pipelines/linear_intent.py)
and requirements-nlu.txt (the Rasa stack), so a model is retrained exactly
when one of them changes — not when a file's timestamp does. Models are named models/nlu-<fingerprint>.tar.gz.

    python scripts/nlu_model.py fingerprint
    python scripts/nlu_model.py path        # the model for the current data (exit 1 if none)
    python scripts/nlu_model.py ensure      # train if missing, print the path
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NLU_DATA = ROOT / "nlu_data"
MODELS = ROOT / "models"
RASA = Path(os.environ.get("NLU_VENV", ROOT / ".venv-nlu")) / "bin" / "rasa"


def own_components(config: Path = NLU_DATA / "config.yml") -> list[Path]:
    """Source files of the pipeline's components named by module path (`pkg.module.Class`) that
    live in this repository; Rasa's own components are named without dots."""
    import yaml

    doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    out = []
    for step in doc.get("pipeline") or []:
        module, _, _ = str(step.get("name", "")).rpartition(".")
        path = ROOT / (module.replace(".", "/") + ".py")
        if module and path.is_file():
            out.append(path)
    return sorted(set(out))


def fingerprint() -> str:
    h = hashlib.sha256()
    files = sorted(p for p in NLU_DATA.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for p in files + own_components() + [ROOT / "requirements-nlu.txt"]:
        h.update(str(p.relative_to(ROOT)).encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def model_path(fp: str | None = None) -> Path:
    return MODELS / f"nlu-{fp or fingerprint()}.tar.gz"


def train(fp: str) -> Path:
    MODELS.mkdir(exist_ok=True)
    cmd = [str(RASA), "train", "nlu", "--config", "nlu_data/config.yml", "--nlu", "nlu_data/nlu",
           "--out", "models", "--fixed-model-name", f"nlu-{fp}"]
    print(f"training the NLU model ({' '.join(cmd[1:])}) ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=sys.stderr)
    print(f"trained in {time.monotonic() - started:.0f} s", file=sys.stderr)
    path = model_path(fp)
    if not path.exists():
        sys.exit(f"rasa finished but {path} is missing")
    return path


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "ensure"
    fp = fingerprint()
    if cmd == "fingerprint":
        print(fp)
    elif cmd == "path":
        if not model_path(fp).exists():
            print(f"no model for the current nlu_data/ (fingerprint {fp}); run `make model`", file=sys.stderr)
            return 1
        print(model_path(fp))
    elif cmd == "ensure":
        path = model_path(fp)
        print(path if path.exists() else train(fp))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
