"""The clean side of a graded check: ``python -I -m wiretap.teaching.clean`` (see :mod:`.gate`).

This process never runs student code. It reads a spec from its standard input, runs the
chapter's setup code and the check cell with its own numpy, builtins and library, and asks the
student's notebook (over the same pipe) only for the values of the names the exercise defines.
What comes back is decoded strictly: JSON numbers, strings, lists, tuples, dicts, numeric arrays
rebuilt from raw bytes with a numeric dtype, or references to objects that stay in the
student's process (calls and attribute reads on them are forwarded). Nothing is unpickled and
no type is looked up by name. The verdict goes back as the last message and as the exit status.
"""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import sys
import traceback

__all__ = ["StudentError", "main"]

NUMERIC_KINDS = "biufc"
CHECK_FILE = "<check>"


class StudentError(Exception):
    """The student's code raised, or a student value could not be used."""


class _Pipe:
    """Requests to the student's process, one JSON line each way."""

    def __init__(self, inp, out):
        self.inp, self.out = inp, out

    def send(self, message: dict) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def ask(self, message: dict):
        self.send(message)
        line = self.inp.readline()
        if not line:
            raise StudentError("the notebook stopped answering")
        reply = json.loads(line)
        if not isinstance(reply, dict):
            raise StudentError("malformed answer from the notebook")
        if "error" in reply:
            raise StudentError(str(reply["error"]))
        return decode(reply.get("value"), self)


class Remote:
    """An object that stays in the student's process: calls and attributes are forwarded."""

    __slots__ = ("_pipe", "_ref")

    def __init__(self, pipe: _Pipe, ref: int):
        object.__setattr__(self, "_pipe", pipe)
        object.__setattr__(self, "_ref", ref)

    def __call__(self, *args, **kwargs):
        buf = io.BytesIO()
        try:
            _Pickler(buf).dump((args, kwargs))
        except Exception as exc:
            raise StudentError(f"cannot pass these arguments to your code ({exc})") from None
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return self._pipe.ask({"op": "call", "ref": self._ref, "args": data})

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._pipe.ask({"op": "getattr", "ref": self._ref, "attr": name})

    def __repr__(self) -> str:
        return f"<object #{self._ref} of your notebook>"


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        # read the slot directly: attribute access on a Remote is forwarded to the notebook
        return ("ref", object.__getattribute__(obj, "_ref")) if isinstance(obj, Remote) else None


def _array(spec) -> object:
    import numpy as np

    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "b64"}:
        raise StudentError("malformed array from the notebook")
    dtype = np.dtype(str(spec["dtype"]))
    shape = spec["shape"]
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject:
        raise StudentError(f"array of dtype {dtype} from the notebook")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise StudentError("malformed array shape from the notebook")
    arr = np.frombuffer(base64.b64decode(spec["b64"]), dtype=dtype).reshape(shape).copy()
    return arr[()] if arr.ndim == 0 else arr


def decode(obj, pipe: _Pipe):
    """Rebuild a value sent by the student's process (plain data or a :class:`Remote`)."""
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is list:
        return [decode(v, pipe) for v in obj]
    if type(obj) is not dict or len(obj) != 1:
        raise StudentError("malformed value from the notebook")
    ((tag, value),) = obj.items()
    if tag == "__nd__":
        return _array(value)
    if tag == "__tuple__" and type(value) is list:
        return tuple(decode(v, pipe) for v in value)
    if tag == "__complex__" and type(value) is list and len(value) == 2:
        return complex(float(value[0]), float(value[1]))
    if tag == "__dict__" and type(value) is dict:
        return {str(k): decode(v, pipe) for k, v in value.items()}
    if tag == "__ref__" and type(value) is int:
        return Remote(pipe, value)
    raise StudentError(f"malformed value from the notebook ({tag!r})")


def _strip_magics(source: str) -> str:
    return "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )


def _failure(exc: BaseException, check: str, notes: list[str]) -> str:
    """The check's failing line and the error, in words."""
    line = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == CHECK_FILE and frame.lineno:
            lines = check.split("\n")
            line = lines[frame.lineno - 1].strip() if frame.lineno <= len(lines) else ""
    what = f"{type(exc).__name__}: {exc}".rstrip(": ")
    text = f"check failed at: {line}\n{what}" if line else f"check failed\n{what}"
    if isinstance(exc, NameError) and notes:
        text += "\nsetup problems: " + "; ".join(notes)
    return text


def run(spec: dict, pipe: _Pipe) -> tuple[bool, str]:
    """Run the spec's setup, fetch the student's names, run the check; (passed, message)."""
    env: dict = {"__name__": "__main__", "display": lambda *a, **k: None}
    notes: list[str] = []
    for i, source in enumerate(spec.get("setup", [])):
        try:
            exec(compile(_strip_magics(source), f"<setup {i}>", "exec"), env)
        except Exception as exc:
            notes.append(f"setup cell {i}: {type(exc).__name__}: {exc}")
    check = str(spec["check"])
    try:
        for statement in spec.get("imports", []):
            exec(compile(statement, "<imports>", "exec"), env)
        for name in spec.get("names", []):
            env[name] = pipe.ask({"op": "name", "name": name})
        exec(compile(_strip_magics(check), CHECK_FILE, "exec"), env)
    except Exception as exc:
        return False, _failure(exc, check, notes)
    return True, ""


def main() -> int:
    """Entry point: the protocol runs on stdin and on a copy of stdout; prints go to stderr."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    pipe = _Pipe(sys.stdin, out)
    line = sys.stdin.readline()
    try:
        spec = json.loads(line)["spec"]
        passed, message = run(spec, pipe)
    except Exception as exc:
        passed, message = False, f"the check could not run ({type(exc).__name__}: {exc})"
    pipe.send({"op": "done", "passed": passed, "message": message})
    return 0 if passed else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
