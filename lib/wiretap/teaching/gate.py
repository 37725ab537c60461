"""The student's side of a graded check: answer a clean process's questions, take its verdict.

Every otter test of a graded exercise is one call::

    import importlib
    import wiretap.teaching.gate as _wiretap_gate
    importlib.reload(_wiretap_gate).verify(globals(), "<spec>")

:func:`verify` starts ``python -I -m wiretap.teaching.clean`` (a fresh interpreter that never
ran student code) and sends it the *spec*: the chapter's setup code that the check needs, the
check cell, and the names the exercise's solution defines. The clean process runs the setup and
the check itself, with its own numpy, builtins and library. Only the student's names come from
the notebook: when the check reads one, or calls a student function, the clean process asks this
side over a pipe, and this side answers with *data* (numbers, numeric arrays as raw bytes, lists,
tuples, dicts) or with a reference to an object that stays here (a function, a cvxpy problem)
whose calls and attributes are forwarded the same way. Arguments travel the other way pickled:
this side is the untrusted one, and the clean process never unpickles what it receives.

So a student who rebinds ``np.allclose``, ``builtins.abs`` or a :mod:`wiretap.teaching` helper
changes only their own process: the comparison runs elsewhere. The module is reloaded from its
file by each test, so rebinding :func:`verify` itself does not help either. What this does not
defend against is a student who patches the standard library's ``subprocess``/``json`` or
otter itself in the kernel; otter writes its own results from that same kernel, so no check
run under ``otter run`` can stop that.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import zlib
from collections.abc import Mapping

__all__ = ["decode_spec", "encode_spec", "verify"]

_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
_ENV_PREFIXES = ("WIRETAP_", "OMP_", "OPENBLAS_", "MKL_")
NUMERIC_KINDS = "biufc"


def encode_spec(spec: Mapping) -> str:
    """Pack a check spec (a JSON-able mapping) into one ASCII string for a test cell."""
    raw = json.dumps(dict(spec), sort_keys=True).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_spec(text: str) -> dict:
    """Inverse of :func:`encode_spec`.

    Raises
    ------
    ValueError
        If ``text`` is not a packed spec.
    """
    try:
        spec = json.loads(zlib.decompress(base64.b64decode(text.encode("ascii"))))
    except Exception as exc:
        raise ValueError(f"text is not a packed check spec ({exc})") from None
    if not isinstance(spec, dict) or "check" not in spec:
        raise ValueError("text is not a packed check spec (no 'check')")
    return spec


def _encode(value, refs: list) -> object:
    """A value as JSON data; anything that is not plain data becomes a reference."""
    import numpy as np

    if value is None or type(value) is bool:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in NUMERIC_KINDS:
        return {  # tobytes(order="C"): np.ascontiguousarray would make 0-d arrays 1-d
            "__nd__": {
                "dtype": value.dtype.str,
                "shape": list(value.shape),
                "b64": base64.b64encode(value.tobytes(order="C")).decode("ascii"),
            }
        }
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, refs) for v in value]}
    if isinstance(value, list):
        return [_encode(v, refs) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {str(k): _encode(v, refs) for k, v in value.items()}}
    refs.append(value)
    return {"__ref__": len(refs) - 1}


class _Unpickler(pickle.Unpickler):
    """Arguments from the clean process; references resolve to objects kept here."""

    def __init__(self, data: bytes, refs: list):
        import io

        super().__init__(io.BytesIO(data))
        self._refs = refs

    def persistent_load(self, pid):
        return self._refs[int(pid[1])]


def _answer(request: dict, env: Mapping, refs: list) -> dict:
    """Answer one request of the clean process."""
    op = request.get("op")
    try:
        if op == "name":
            name = request["name"]
            if name not in env:
                return {"error": f"NameError: your notebook does not define {name!r}"}
            value = env[name]
        elif op == "getattr":
            value = getattr(refs[request["ref"]], request["attr"])
        elif op == "call":
            args, kwargs = _Unpickler(base64.b64decode(request["args"]), refs).load()
            value = refs[request["ref"]](*args, **kwargs)
        else:
            return {"error": f"ValueError: unknown request {op!r}"}
        return {"value": _encode(value, refs)}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _child_env(tmp: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP or k.startswith(_ENV_PREFIXES)}
    env.update({"MPLBACKEND": "Agg", "WIRETAP_BUILD": "1", "WIRETAP_REPRO_DIR": tmp})
    env.setdefault("WIRETAP_SCALE", "quick")
    return env


def _serve(proc: subprocess.Popen, env: Mapping) -> dict | None:
    """Answer requests until the verdict (or the end of the clean process's output)."""
    refs: list = []
    for line in proc.stdout:
        request = json.loads(line)
        if request.get("op") == "done":
            return request
        proc.stdin.write(json.dumps(_answer(request, env, refs)) + "\n")
        proc.stdin.flush()
    return None


def verify(env: Mapping, spec: str, *, timeout: float = 900.0) -> None:
    """Run one exercise's check in a clean process against the student's names in ``env``.

    Parameters
    ----------
    env : mapping
        The notebook's global namespace (``globals()`` in a test cell).
    spec : str
        The packed spec (:func:`encode_spec`): ``label``, ``setup`` (sources), ``imports``,
        ``names`` and ``check``.
    timeout : float
        Seconds before the clean process is killed (the check then fails).

    Raises
    ------
    AssertionError
        If the check fails, with the failing line and the error.
    ValueError
        If ``spec`` is not a packed spec or ``timeout`` is not positive.
    """
    data = decode_spec(spec)
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    with tempfile.TemporaryDirectory(prefix="wiretap-check-") as tmp:
        with open(os.path.join(tmp, "stderr.txt"), "w+", encoding="utf-8") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-m", "wiretap.teaching.clean"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=tmp,
                env=_child_env(tmp),
                text=True,
            )
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            try:
                proc.stdin.write(json.dumps({"spec": data}) + "\n")
                proc.stdin.flush()
                verdict = _serve(proc, env)
                code = proc.wait(timeout=60)
            except (BrokenPipeError, ValueError, subprocess.TimeoutExpired) as exc:
                verdict, code = {"passed": False, "message": f"the check stopped ({exc})"}, -1
            finally:
                timer.cancel()
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            err.seek(0)
            log = err.read()[-3000:]
    label = data.get("label", "?")
    if verdict is None:
        raise AssertionError(f"{label}: the check process ended without a verdict\n{log}")
    if verdict.get("passed") is True and code == 0:
        return None
    raise AssertionError(f"{label}: {verdict.get('message', 'failed')}")
