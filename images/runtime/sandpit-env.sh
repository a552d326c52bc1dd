# Login shells in a sandbox see the same toolchain settings as runs do.
export GOPATH=/tmp/go GOCACHE=/tmp/go-cache GOTOOLCHAIN=local GOTELEMETRY=off DENO_DIR=/tmp/deno
