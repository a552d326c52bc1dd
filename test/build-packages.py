"""Builds the tiny packages the hermetic setup tests serve: a wheel and a Go module zip.

Usage: build-packages.py <out-dir>
"""
import base64
import hashlib
import os
import sys
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# A pure-Python wheel, sandpit-demo 0.1.0.
files = {
    "sandpit_demo/__init__.py": 'def greet(name):\n    return f"hello {name} from a wheel"\n',
    "sandpit_demo-0.1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: sandpit-demo\nVersion: 0.1.0\n",
    "sandpit_demo-0.1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: sandpit-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record_lines = []
for name, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record_lines.append(f"{name},sha256={digest},{len(text.encode())}")
record_lines.append("sandpit_demo-0.1.0.dist-info/RECORD,,")
files["sandpit_demo-0.1.0.dist-info/RECORD"] = "\n".join(record_lines) + "\n"
with zipfile.ZipFile(os.path.join(out, "sandpit_demo-0.1.0-py3-none-any.whl"), "w") as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)

# A Go module, example.com/greeting v1.0.0, in the module proxy's zip layout.
prefix = "example.com/greeting@v1.0.0/"
with zipfile.ZipFile(os.path.join(out, "greeting-v1.0.0.zip"), "w") as module:
    module.writestr(prefix + "go.mod", "module example.com/greeting\n\ngo 1.19\n")
    module.writestr(prefix + "greeting.go", 'package greeting\n\nfunc Hello(name string) string { return "hello " + name + " from a module" }\n')
print("built")
