# Login shells in a sandbox see the same toolchain and layer settings as runs do.
export GOPATH=/tmp/go GOCACHE=/tmp/go-cache GOTOOLCHAIN=local GOTELEMETRY=off DENO_DIR=/tmp/deno
export PYTHONPATH=/opt/layer/python NODE_PATH=/opt/layer/node/node_modules GOMODCACHE=/opt/layer/go/mod
export PATH=/opt/layer/node/node_modules/.bin:/opt/layer/python/bin:$PATH
