# Xen's verify-stream-v2 on a pipe.  The script opens its input unbuffered,
# and on a pipe a raw read(n) may return fewer than n bytes, which it takes
# for a truncated stream; it cannot verify what it is piped.  This runs
# the same script with a buffered stdin (read(n) waits for n bytes or EOF)
# and changes nothing else.  Usage: python3 verify_pipe.py [libxc|libxl] < STREAM
import importlib.machinery
import importlib.util
import sys

path = "/usr/lib/xen-4.17/bin/verify-stream-v2"
loader = importlib.machinery.SourceFileLoader("verify_stream_v2", path)
spec = importlib.util.spec_from_loader("verify_stream_v2", loader)
mod = importlib.util.module_from_spec(spec)
loader.exec_module(mod)
mod.fin = sys.stdin.buffer
mod.quiet = True
sys.exit(mod.read_stream(sys.argv[1] if len(sys.argv) > 1 else "libxc"))
