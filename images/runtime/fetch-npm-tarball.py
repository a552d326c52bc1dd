"""Fetches a tarball from the npm registry, checks its sha512 integrity and unpacks it.

Usage: fetch-npm-tarball.py <registry> <package> <version> <sha512-integrity> <dest>
Used at image build time to install Node.js and npm without Debian's large nodejs/npm stack.
"""
import base64
import hashlib
import io
import os
import ssl
import sys
import tarfile
import urllib.request

registry, package, version, integrity, dest = sys.argv[1:6]
name = package.split("/")[-1]
url = f"{registry.rstrip('/')}/{package}/-/{name}-{version}.tgz"
cafile = "/tmp/build-ca.crt"
context = ssl.create_default_context()
if os.path.getsize(cafile) > 0:
    context.load_verify_locations(cafile)
with urllib.request.urlopen(url, context=context, timeout=300) as response:
    data = response.read()
digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
if digest != integrity:
    sys.exit(f"integrity mismatch for {url}: got {digest}")
os.makedirs(dest, exist_ok=True)
with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
    for member in archive.getmembers():
        member.name = member.name.split("/", 1)[1] if "/" in member.name else ""
        if member.name:
            archive.extract(member, dest, filter="tar") if hasattr(tarfile, "data_filter") else archive.extract(member, dest)
print(f"installed {package}@{version} into {dest}")
