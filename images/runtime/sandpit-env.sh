# Login shells in a sandbox see the same toolchain and layer settings as runs do.
export GOPATH=/tmp/go GOCACHE=/tmp/go-cache GOTOOLCHAIN=local GOTELEMETRY=off DENO_DIR=/tmp/deno
export PYTHONPATH=/opt/layer/python:/usr/local/lib/sandpit/python MPLBACKEND=module://sandpit_display.matplotlib_backend MPLCONFIGDIR=/tmp/matplotlib NODE_PATH=/opt/layer/node/node_modules GOMODCACHE=/opt/layer/go/mod
export PATH=/opt/layer/node/node_modules/.bin:/opt/layer/python/bin:$PATH
