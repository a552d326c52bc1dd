"""Sandpit's runner for pytest-style tests, without pytest.

Runs every `test_*` function of every `test_*.py` (or `*_test.py`) file under the folders or files
given (default: `tests`), with the current folder importable, and prints TAP: `ok` / `not ok` per
test, a failure's message in a YAML block. A failed `assert` shows its source line and values the
way `assert a == b, "msg"` wrote them. Exits with 1 when a test failed.
"""

import importlib.util
import inspect
import os
import sys
import traceback


def test_files(targets):
    for target in targets:
        if os.path.isfile(target):
            yield target
            continue
        for folder, dirs, files in os.walk(target):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
                    yield os.path.join(folder, name)


def load(path, index):
    spec = importlib.util.spec_from_file_location(f"sandpit_tests_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def failure_message(error):
    frames = traceback.extract_tb(error.__traceback__)
    last = frames[-1] if frames else None
    said = "".join(traceback.format_exception_only(type(error), error)).strip()
    if isinstance(error, AssertionError) and last is not None and last.line:
        source = last.line.strip()
        detail = str(error)
        return f"{source}\n{detail}" if detail else source
    return said


def yaml_block(text):
    lines = ["  ---", "  message: |-"]
    lines += ["    " + line for line in text.splitlines() or [""]]
    lines.append("  ...")
    return "\n".join(lines)


def main(argv):
    sys.path.insert(0, os.getcwd())
    targets = argv or ["tests"]
    print("TAP version 13")
    count = 0
    failed = 0
    for index, path in enumerate(test_files(targets)):
        try:
            module = load(path, index)
        except BaseException as error:  # a file that does not even import fails as one test
            count += 1
            failed += 1
            print(f"not ok {count} - {path}")
            print(yaml_block("".join(traceback.format_exception_only(type(error), error)).strip()))
            continue
        tests = [
            (name, value)
            for name, value in vars(module).items()
            if name.startswith("test") and inspect.isfunction(value) and value.__module__ == module.__name__
        ]
        tests.sort(key=lambda item: item[1].__code__.co_firstlineno)
        for name, function in tests:
            count += 1
            label = f"{os.path.relpath(path)}::{name}"
            try:
                function()
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt):
                    raise
                failed += 1
                print(f"not ok {count} - {label}")
                print(yaml_block(failure_message(error)))
            else:
                print(f"ok {count} - {label}")
            sys.stdout.flush()
    print(f"1..{count}")
    if count == 0:
        print(f"# no test_* functions found in {', '.join(targets)}")
    return 1 if failed or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
